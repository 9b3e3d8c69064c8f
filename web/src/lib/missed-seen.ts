/**
 * When the user last looked at their missed calls; the header counts missed calls since then.
 * Kept per user in localStorage, so every tab shows the same count and opening the list in one tab
 * clears the counter in all.
 */
import { dayKey, startOfDayInZone } from './format.js';

const CHANGE_EVENT = 'switchboard:missed-seen';

function storageKey(userId: string): string {
  return `switchboard.missedSeen:${userId}`;
}

/** The stored time, or the start of today in the user's time zone when there is none. */
export function readMissedSeen(userId: string, timeZone: string, now: Date = new Date()): string {
  try {
    const stored = localStorage.getItem(storageKey(userId));
    if (stored && !Number.isNaN(Date.parse(stored))) return stored;
  } catch {
    // No storage: fall through to today.
  }
  return startOfDayInZone(dayKey(now, timeZone), timeZone).toISOString();
}

export function markMissedSeen(userId: string, at: Date = new Date()): void {
  try {
    localStorage.setItem(storageKey(userId), at.toISOString());
  } catch {
    // Private mode: the counter resets with the page.
  }
  window.dispatchEvent(new Event(CHANGE_EVENT));
}

/** Runs `listener` when this or another tab marks the missed calls seen. */
export function onMissedSeenChange(listener: () => void): () => void {
  const onStorage = (e: StorageEvent) => {
    if (e.key?.startsWith('switchboard.missedSeen:')) listener();
  };
  window.addEventListener(CHANGE_EVENT, listener);
  window.addEventListener('storage', onStorage);
  return () => {
    window.removeEventListener(CHANGE_EVENT, listener);
    window.removeEventListener('storage', onStorage);
  };
}
