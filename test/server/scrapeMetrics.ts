/** One sample of a Prometheus text-format scrape: metric name, labels, value. */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Parses the Prometheus text format simply: comment lines skipped, one sample per other line. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = SAMPLE.exec(line)
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, key, value] of (m[2] ?? '').matchAll(LABEL)) labels[key!] = value!
    samples.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return samples
}

/** A scrape: the value of a sample by name and (a subset of) its labels. */
export interface Scrape {
  samples: Sample[]
  /** The one sample named `name` whose labels include `labels`; throws when none or several. */
  value(name: string, labels?: Record<string, string>): number
  /** The HELP/TYPE comment's type of a metric. */
  type(name: string): string | undefined
}

/** GETs `<url>/metrics` and parses it; throws unless it answered 200 in the text format. */
export async function scrapeMetrics(url: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`)
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`)
  const contentType = res.headers.get('content-type') ?? ''
  if (!contentType.startsWith('text/plain')) throw new Error(`content-type ${contentType}`)
  const text = await res.text()
  const samples = parseMetrics(text)
  return {
    samples,
    value: (name, labels = {}) => {
      const found = samples.filter(
        (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      )
      if (found.length !== 1) {
        throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`)
      }
      return found[0]!.value
    },
    type: (name) => new RegExp(`^# TYPE ${name} (\\w+)$`, 'm').exec(text)?.[1],
  }
}
