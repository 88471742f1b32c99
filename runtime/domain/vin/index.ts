export {
  DEFAULT_VPIC_TIMEOUT_MS,
  type DecodeVinOptions,
  decodeVin,
  decodeVinOffline,
  InvalidVinError,
  NOTES,
  type OfflineVinDecode,
  spokenDescription,
  type VinDecode,
} from './decode-vin';
export { decodeModelYear, MODEL_YEAR_CODES, modelYearCandidates } from './model-year';
export {
  type CheckDigitStatus,
  computeCheckDigit,
  type InvalidVin,
  normalizeVin,
  requiresCheckDigit,
  type ValidVin,
  VIN_LENGTH,
  type VinErrorCode,
  type VinValidation,
  validateVin,
} from './validate-vin';
export {
  type CleanText,
  cleanVpicText,
  DEFAULT_TEXT_LIMITS,
  fetchVpicDecode,
  sanitizeVpicText,
  type TextLimits,
  VPIC_BASE_URL,
  type VpicFailure,
  type VpicOutcome,
  type VpicRequest,
  type VpicResult,
  vpicDecodeUrl,
  vpicResponseSchema,
  vpicResultSchema,
} from './vpic';
export { countryForWmi, KNOWN_MAKES, lookupWmi, type WmiInfo, wmiTable } from './wmi';
