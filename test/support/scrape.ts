// Reads one sample from Prometheus text exposition, for tests that scrape a running exporter.
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    const value = line.slice(line.lastIndexOf(' ') + 1);
    return value === '+Inf' ? Infinity : Number(value);
  }
  return undefined;
}
