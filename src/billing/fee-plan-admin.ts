// Setting a merchant's fee plan in the store (`posguard fees plan set`, `PUT .../fee-plan`): the
// plan given is the whole plan (as `fees plan show --json` prints it); its versions already stored
// must come back unchanged, and the ones after them are appended, each made now, numbered after the
// last and validated with the whole plan. So a change is always a new version and the past stays
// as it was; a refused plan stores nothing.
import { PosError } from '../pos-error.js';
import type { FeePlanVersionRecord } from '../payments/ports/fee-store.js';
import type { Store } from '../payments/ports/store.js';
import { addPlanVersion, planToFileJson, validateFeePlan } from '../fees/fee-plan-file.js';
import type { FeePlan, FeePlanVersion } from '../fees/fee-plan.js';

export interface SetFeePlanInput {
  readonly merchantId: string;
  /** The plan as parsed (validated) from its file or request body. */
  readonly plan: FeePlan;
  /** Who makes the change (an operator id), recorded on each version appended. */
  readonly changedBy: string;
  /** The operator's acknowledgement that the new versions are below the acquirer's cost. */
  readonly belowCost: boolean;
  readonly nowMs: number;
}

export interface SetFeePlanResult {
  /** The versions this call appended (none when the plan given is the one stored). */
  readonly appended: readonly number[];
  readonly current: FeePlanVersionRecord;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** One transaction reads, checks and appends, so that a refusal stores nothing. */
export async function setFeePlan(store: Store, input: SetFeePlanInput): Promise<SetFeePlanResult> {
  const { merchantId, plan, nowMs } = input;
  if (plan.merchantId !== merchantId) {
    throw PosError.invalidInput('POS_ERR_FEES_PLAN_INVALID', 'fee plan', [
      {
        field: 'merchantId',
        expected: `the merchant the plan is set for, ${merchantId}`,
        actual: plan.merchantId,
      },
    ]);
  }
  return store.transaction(async (tx) => {
    if ((await tx.getMerchant(merchantId)) === undefined) {
      throw new PosError('POS_ERR_PAYMENT_UNKNOWN_MERCHANT', `no merchant ${JSON.stringify(merchantId)}`, {
        details: { merchantId },
      });
    }
    const stored = await tx.getFeePlan(merchantId);
    const appended: number[] = [];
    let current: FeePlan;
    let toAdd: readonly FeePlanVersion[];
    if (stored === undefined) {
      // The first plan: its versions are taken as written (a plan may start before posguard kept
      // it), each acknowledged below cost if asked.
      const first = validateFeePlan(
        planToFileJson({
          ...plan,
          versions: plan.versions.map((v) => ({ ...v, belowCost: v.belowCost || input.belowCost })),
        }),
      );
      for (const version of first.versions) {
        const record = recordOf({ merchantId, plan: first, version, changedBy: input.changedBy, nowMs });
        await append(tx, record);
        appended.push(version.version);
      }
      current = first;
      toAdd = [];
    } else {
      current = stored.plan;
      checkPastKept(stored.plan, plan);
      toAdd = plan.versions.slice(stored.plan.versions.length);
    }
    for (const change of toAdd) {
      current = addPlanVersion({
        plan: current,
        change: { ...change, changedBy: input.changedBy, belowCost: change.belowCost || input.belowCost },
        nowMs,
      });
      const version = current.versions[current.versions.length - 1];
      if (version === undefined) break;
      await append(tx, recordOf({ merchantId, plan: current, version, changedBy: input.changedBy, nowMs }));
      appended.push(version.version);
    }
    const last = current.versions[current.versions.length - 1];
    return {
      appended,
      current:
        stored !== undefined && appended.length === 0
          ? stored
          : recordOf({
              merchantId,
              plan: current,
              version: last ?? plan.versions[0]!,
              changedBy: input.changedBy,
              nowMs,
            }),
    };
  });
}

function recordOf(options: {
  merchantId: string;
  plan: FeePlan;
  version: FeePlanVersion;
  changedBy: string;
  nowMs: number;
}): FeePlanVersionRecord {
  const { plan, version } = options;
  return {
    merchantId: options.merchantId,
    version: version.version,
    effectiveFrom: version.effectiveFrom,
    plan: { ...plan, versions: plan.versions.slice(0, version.version) },
    changedBy: options.changedBy,
    changedAt: options.nowMs,
  };
}

async function append(
  tx: { appendFeePlanVersion(record: FeePlanVersionRecord): Promise<boolean> },
  record: FeePlanVersionRecord,
): Promise<void> {
  if (!(await tx.appendFeePlanVersion(record))) {
    throw PosError.invalidInput('POS_ERR_FEES_PLAN_OVERLAP', 'fee plan versions', [
      {
        field: `versions[${record.version - 1}]`,
        expected: 'a version number no other change has taken',
        actual: `version ${record.version}, stored meanwhile by another change`,
      },
    ]);
  }
}

/** The stored versions must come back as they are, and so must the device and activation terms. */
function checkPastKept(stored: FeePlan, given: FeePlan): void {
  const problems = stored.versions.flatMap((version, index) =>
    same(version, given.versions[index])
      ? []
      : [
          {
            field: `versions[${index}]`,
            expected: `version ${version.version} as stored (from ${version.effectiveFrom}): a change is a new version`,
            actual: given.versions[index] === undefined ? 'nothing' : 'a different version',
          },
        ],
  );
  if (stored.devicePriceFen !== given.devicePriceFen)
    problems.push({
      field: 'devicePriceFen',
      expected: `${stored.devicePriceFen} as stored`,
      actual: String(given.devicePriceFen),
    });
  if (!same(stored.activation, given.activation))
    problems.push({ field: 'activation', expected: 'the activation terms as stored', actual: 'other terms' });
  if (problems.length > 0)
    throw PosError.invalidInput('POS_ERR_FEES_PLAN_REWRITES_PAST', 'fee plan', problems);
}
