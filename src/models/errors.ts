/**
 * Why a model cannot be used. Every one extends ModelUnavailableError so a caller can catch one
 * type, fall back to its classic method, and record `code` and `message` as the reason.
 */
export class ModelUnavailableError extends Error {
  constructor(
    readonly code: string,
    readonly modelId: string,
    readonly version: string,
    message: string,
  ) {
    super(message);
  }
}

/** Files missing from the models dir, or present without a recorded checksum. */
export class ModelNotInstalledError extends ModelUnavailableError {
  override readonly name = 'ModelNotInstalledError';
  constructor(
    modelId: string,
    version: string,
    message: string,
    readonly missing: readonly string[] = [],
  ) {
    super('MODEL_NOT_INSTALLED', modelId, version, message);
  }
}

/** A file whose bytes are not the ones recorded: corrupted, truncated or replaced. */
export class ModelChecksumError extends ModelUnavailableError {
  override readonly name = 'ModelChecksumError';
  constructor(
    modelId: string,
    version: string,
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super('MODEL_CHECKSUM_MISMATCH', modelId, version, `${modelId}@${version}: ${file} has sha256 ${actual}, expected ${expected}`);
  }
}

/** The installed ONNX graph does not have the inputs/outputs the registry promises. */
export class ModelContractError extends ModelUnavailableError {
  override readonly name = 'ModelContractError';
  constructor(
    modelId: string,
    version: string,
    readonly problems: readonly string[],
  ) {
    super('MODEL_CONTRACT_MISMATCH', modelId, version, `${modelId}@${version} does not match its registry contract: ${problems.join('; ')}`);
  }
}
