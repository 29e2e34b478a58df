// The dashboard users port (issue 15): users and passwords a merchant creates for its dashboard,
// besides its API key. Only the password's scrypt hash is kept (merchants/dashboard-users.ts).
export interface DashboardUserRecord {
  readonly merchantId: string;
  readonly username: string;
  /** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
  readonly passwordHash: string;
  readonly createdAt: number;
  /** The Idempotency-Key of the request that created the user, so a retry is answered alike. */
  readonly idempotencyKey: string | null;
  /** When the merchant disabled the user (it signs in no more); null while it may. */
  readonly disabledAt: number | null;
}

export interface DashboardUserReader {
  getDashboardUser(merchantId: string, username: string): Promise<DashboardUserRecord | undefined>;
  /** The user the merchant created with this Idempotency-Key, if any. */
  findDashboardUserByKey(
    merchantId: string,
    idempotencyKey: string,
  ): Promise<DashboardUserRecord | undefined>;
  /** The merchant's users by name, at most `limit`. */
  listDashboardUsers(merchantId: string, limit: number): Promise<DashboardUserRecord[]>;
}

export interface DashboardUserWriter {
  /** Inserts the user unless the merchant has one of that name; says if it did. */
  insertDashboardUser(record: DashboardUserRecord): Promise<boolean>;
  /** Marks the user disabled at `at` unless it is already; says if it did. */
  disableDashboardUser(merchantId: string, username: string, at: number): Promise<boolean>;
}
