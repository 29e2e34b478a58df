// Shared output for benchmarks: one aligned line per measured figure, and the ratio line that is
// the figure a reader should quote (absolute numbers on a shared machine mean little).

export function line(label: string, value: string): void {
  console.log(`  ${label.padEnd(48)} ${value}`);
}

export function ratio(label: string, ours: number, peer: number, unit: string): void {
  line(`${label} (posguard)`, `${ours.toFixed(1)} ${unit}`);
  line(`${label} (peer)`, `${peer.toFixed(1)} ${unit}`);
  line(`${label}: ratio posguard / peer`, `${(ours / peer).toFixed(2)}x`);
}

export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
