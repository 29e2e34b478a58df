// The dashboard users port (issue 15): users and passwords a merchant creates for its dashboard,
// besides its API key. Only the password's scrypt hash is kept (merchants/dashboard-users.ts).
export interface DashboardUserRecord {
  readonly merchantId: string;
  readonly username: string;
  /** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
  readonly passwordHash: string;
  readonly createdAt: number;
}

export interface DashboardUserReader {
  getDashboardUser(merchantId: string, username: string): Promise<DashboardUserRecord | undefined>;
}

export interface DashboardUserWriter {
  /** Inserts the user unless the merchant has one of that name; says if it did. */
  insertDashboardUser(record: DashboardUserRecord): Promise<boolean>;
}
