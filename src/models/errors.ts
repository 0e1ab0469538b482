/**
 * Why a model cannot be used. Every one extends ModelUnavailableError so a caller can catch one
 * type, fall back to its classic method, and record `code` and `message` as the reason.
 */
export class ModelUnavailableError extends Error {
  readonly code: string;
  readonly modelId: string;
  readonly version: string;
  constructor(code: string, modelId: string, version: string, message: string) {
    super(message);
    this.code = code;
    this.modelId = modelId;
    this.version = version;
  }
}

/** Files missing from the models dir, or present without a recorded checksum. */
export class ModelNotInstalledError extends ModelUnavailableError {
  override readonly name = 'ModelNotInstalledError';
  readonly missing: readonly string[];
  constructor(modelId: string, version: string, message: string, missing: readonly string[] = []) {
    super('MODEL_NOT_INSTALLED', modelId, version, message);
    this.missing = missing;
  }
}

/** A file whose bytes are not the ones recorded: corrupted, truncated or replaced. */
export class ModelChecksumError extends ModelUnavailableError {
  override readonly name = 'ModelChecksumError';
  readonly file: string;
  readonly expected: string;
  readonly actual: string;
  constructor(modelId: string, version: string, file: string, expected: string, actual: string) {
    super('MODEL_CHECKSUM_MISMATCH', modelId, version, `${modelId}@${version}: ${file} has sha256 ${actual}, expected ${expected}`);
    this.file = file;
    this.expected = expected;
    this.actual = actual;
  }
}

/** The installed ONNX graph does not have the inputs/outputs the registry promises. */
export class ModelContractError extends ModelUnavailableError {
  override readonly name = 'ModelContractError';
  readonly problems: readonly string[];
  constructor(modelId: string, version: string, problems: readonly string[]) {
    super('MODEL_CONTRACT_MISMATCH', modelId, version, `${modelId}@${version} does not match its registry contract: ${problems.join('; ')}`);
    this.problems = problems;
  }
}
