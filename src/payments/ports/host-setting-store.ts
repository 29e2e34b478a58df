// The host-settings port: values every host sharing a store must agree on (the secret's check
// value), written once by the first host.
export interface HostSettingWriter {
  /** Stores a host setting unless it is set already; returns the value the store holds. */
  claimSetting(name: string, value: string, now: number): Promise<string>;
}
