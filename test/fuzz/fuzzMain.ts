import { AUTH_LIMITS, OPEN_LIMITS, runFuzz } from './runFuzz'

// `npm run fuzz`: a long seeded run of the relay fuzzer, outside vitest.
//   PATCHWIRE_FUZZ_FRAMES=1000000 PATCHWIRE_FUZZ_SEED=17 npm run fuzz
// PATCHWIRE_FUZZ_AUTH=1 runs it against a relay with jwtAuth and tight limits.
// PATCHWIRE_FUZZ_FROM_ROUND=r starts at round r (each defect names its round's seed, seed + r).
// Exits 1 when a defect was found, printing each with the frame that found it.

const frames = Number(process.env.PATCHWIRE_FUZZ_FRAMES ?? 100_000)
const seed = Number(process.env.PATCHWIRE_FUZZ_SEED ?? Date.now() % 1_000_000)
const auth = process.env.PATCHWIRE_FUZZ_AUTH === '1'
const fromRound = Number(process.env.PATCHWIRE_FUZZ_FROM_ROUND ?? 0)

const report = await runFuzz({
  frames,
  seed,
  fromRound,
  auth,
  ...(auth ? { limits: AUTH_LIMITS } : { limits: OPEN_LIMITS }),
  progress: (line) => console.log(line),
})
console.log(JSON.stringify({ ...report, defects: undefined }, null, 2))
console.log(
  `${report.frames} frames, seed ${seed}, ${report.seconds.toFixed(1)} s, ${report.defectCount} defects`,
)
process.exit(report.defectCount > 0 ? 1 : 0)
