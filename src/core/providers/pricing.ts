/**
 * What a clip costs. A provider that makes one length charges its price per clip; one whose lengths vary charges by
 * the second, at the price per clip spread over its default length (kineo-mini: 1 credit per 2-second clip, so a
 * 5-second clip costs 3 — rounded up to whole credits). An extension is charged for the seconds it adds.
 */
import { secondsOf, type Provider } from './provider.js';

/** The provider's default clip length in seconds. */
export function baseSeconds(provider: Provider): number {
  return Number(provider.capabilities.durations[0] ?? secondsOf(provider.shape()));
}

/** True when the provider makes clips of more than one length (and so is priced per second). */
export function pricedPerSecond(provider: Provider): boolean {
  return provider.capabilities.durations.length > 1;
}

/** Credits a clip of `seconds` costs at `pricePerClip` for the provider's default length. */
export function clipPrice(pricePerClip: number, provider: Provider, seconds: number): number {
  if (!pricedPerSecond(provider)) return pricePerClip;
  return Math.ceil((pricePerClip * seconds) / baseSeconds(provider) - 1e-9);
}

/** Credits per second of video (what the studio shows), or null for a provider priced per clip. */
export function pricePerSecond(pricePerClip: number, provider: Provider): number | null {
  return pricedPerSecond(provider) ? pricePerClip / baseSeconds(provider) : null;
}
