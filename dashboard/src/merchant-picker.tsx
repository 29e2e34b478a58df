// The merchant filter of the operations views (Overview, Payments, Terminals, Reconciliation): every
// merchant, or one, from GET /v1/merchants. The choice is kept while the session lasts, so moving
// between pages keeps looking at the same merchant. A merchant's session never shows it: a merchant
// sees its own data only, and the API refuses any other merchant it names.
import { apiGet } from './api.js';
import { useLoad, useSignal } from './hooks.js';
import { t } from './i18n.js';
import { signal } from './signal.js';

export interface MerchantEntry {
  readonly id: string;
  readonly name: string;
}

/** The merchant operations look at across pages; '' for every merchant. */
export const chosenMerchant = signal<string>('');

export function MerchantPicker(props: {
  id: string;
  label: string;
  value: string;
  onChange: (id: string) => void;
}) {
  const [loaded] = useLoad(() => apiGet<{ data: MerchantEntry[] }>('/v1/merchants'), []);
  const merchants = loaded.state === 'ready' ? loaded.value.data : [];
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        <option value="">{t('allMerchants')}</option>
        {merchants.map((m) => (
          <option key={m.id} value={m.id}>
            {`${m.name} (${m.id})`}
          </option>
        ))}
        {props.value !== '' && !merchants.some((m) => m.id === props.value) && (
          <option value={props.value}>{props.value}</option>
        )}
      </select>
    </div>
  );
}

/** The operations views' filter bar: the picker bound to the shared choice. */
export function FleetFilter() {
  const value = useSignal(chosenMerchant);
  return (
    <form class="filters fleet-filter" onSubmit={(e) => e.preventDefault()} aria-label={t('merchantFilter')}>
      <MerchantPicker
        id="fleet-merchant"
        label={t('merchantFilter')}
        value={value}
        onChange={(id) => chosenMerchant.set(id)}
      />
    </form>
  );
}
