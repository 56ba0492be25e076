/** The alert lifecycle: pure rules (applyScan), the orchestration (processScan) and their types. */
export { type ApplyResult, applyScan, type LocationChange } from './apply-scan';
export { LIFECYCLE_ENV, lifecycleConfigFromEnv } from './config-from-env';
export type { LifecycleEvent, LifecycleEventDetail, LifecycleInfo } from './lifecycle-events';
export {
  type Ack,
  DEFAULT_LIFECYCLE_CONFIG,
  InvalidLifecycleConfigError,
  type LifecycleConfig,
  type LifecycleScan,
  lifecycleConfig,
  type Observation,
  type TicketRef,
  type TrackedState,
  type Transition,
} from './model';
export { lifecycleScanFromInventory, lifecycleScanFromProbeResults } from './observations';
export {
  LifecycleConflictError,
  type LifecycleDeps,
  type LifecycleStore,
  type LifecycleSummary,
  type Outbox,
  type Publisher,
  processScan,
  type StoredEntry,
} from './run-lifecycle';
export { type EffectiveThresholds, effectiveThresholds } from './thresholds';
