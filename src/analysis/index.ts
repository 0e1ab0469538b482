/** Album-level analysis without Temporal: pure functions that the activities call. */
export * from './perceptual-embedding';
export { RECOMMENDED_DUPLICATE_THRESHOLDS, duplicateThresholdFor, findDuplicateGroups, type EmbeddedPhoto } from './duplicates';
export { ARCFACE_STARTING_EPS, clusterPeople, type Face, type PeopleClusters, type PeopleOptions, type Person } from './people';
export { DEFAULT_DIVERSITY, HIGHLIGHT_WEIGHTS, pickHighlights, type Highlight, type HighlightCandidate, type HighlightOptions, type HighlightReasons } from './highlights';
