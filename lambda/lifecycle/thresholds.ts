/**
 * Which tiers apply to one certificate: the core's verdict rule (lambda/core/evaluate.ts), so the
 * lifecycle and every other entry point judge a certificate alike.
 */
export { type EffectiveThresholds, effectiveThresholds, round2 } from '../core/evaluate';
