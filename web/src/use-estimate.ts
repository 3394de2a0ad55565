/** A live cost estimate: asked again (debounced) whenever the form's body changes; null body = form incomplete. */
import { useEffect, useState } from 'react';
import { api } from './api';

export function useEstimate<T>(path: string, body: unknown, refresh = 0): { estimate: T | null; estimateError: Error | null } {
  const [estimate, setEstimate] = useState<T | null>(null);
  const [estimateError, setEstimateError] = useState<Error | null>(null);
  const key = body === null ? null : JSON.stringify(body);
  useEffect(() => {
    if (key === null) {
      setEstimate(null);
      setEstimateError(null);
      return;
    }
    const t = setTimeout(() => {
      void api<T>('POST', path, JSON.parse(key)).then((e) => {
        setEstimate(e);
        setEstimateError(null);
      }, (e) => {
        setEstimate(null);
        setEstimateError(e as Error);
      });
    }, 250);
    return () => clearTimeout(t);
  }, [path, key, refresh]);
  return { estimate, estimateError };
}
