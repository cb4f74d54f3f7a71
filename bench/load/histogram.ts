/**
 * Latency histogram with log-linear buckets in microseconds, like HdrHistogram with 7 bits of
 * sub-bucket precision: values below 256 µs are exact, larger ones fall into buckets at most
 * 1/128 (< 0.8 %) wide. Fixed memory (a few thousand counters) however long the run, and
 * histograms from several workers merge by adding counts.
 */
const subBits = 7;
const subCount = 1 << subBits; // 128
const maxExponent = 24; // top bucket starts at 128 << 24 µs ≈ 36 min
export const histogramBuckets = (maxExponent + 2) * subCount;

export function bucketOf(micros: number): number {
  const v = micros < 0 ? 0 : Math.floor(micros);
  if (v < 2 * subCount) return v;
  const e = 31 - Math.clz32(v) - subBits;
  if (e > maxExponent) return histogramBuckets - 1;
  return (e + 1) * subCount + ((v >>> e) - subCount);
}

/** The midpoint of a bucket, in microseconds. */
export function bucketValue(index: number): number {
  if (index < 2 * subCount) return index;
  const e = Math.floor(index / subCount) - 1;
  const sub = (index % subCount) + subCount;
  const lo = sub * 2 ** e;
  return lo + (2 ** e - 1) / 2;
}

export class Histogram {
  readonly counts: Float64Array;
  total = 0;

  constructor(counts?: ArrayLike<number>) {
    this.counts = new Float64Array(histogramBuckets);
    if (counts) {
      this.counts.set(counts);
      for (let i = 0; i < counts.length; i++) this.total += counts[i]!;
    }
  }

  record(micros: number): void {
    this.counts[bucketOf(micros)]!++;
    this.total++;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < histogramBuckets; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
  }

  /** The value (µs) below which `q` (0..1) of the samples fall; NaN when empty. */
  quantile(q: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < histogramBuckets; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return bucketValue(i);
    }
    return bucketValue(histogramBuckets - 1);
  }

  mean(): number {
    if (this.total === 0) return NaN;
    let sum = 0;
    for (let i = 0; i < histogramBuckets; i++) sum += this.counts[i]! * bucketValue(i);
    return sum / this.total;
  }
}
