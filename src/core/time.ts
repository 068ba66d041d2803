/**
 * The one way human output shows a moment: the local clock (`13:46:53`) for today, the local date
 * and clock (`2026-11-28 13:46`) otherwise. JSON keeps ISO timestamps.
 */
export function formatLocalTime(moment: Date | string, now: Date = new Date()): string {
  const date = typeof moment === 'string' ? new Date(moment) : moment;
  if (Number.isNaN(date.getTime())) return String(moment);
  const two = (value: number) => String(value).padStart(2, '0');
  const clock = `${two(date.getHours())}:${two(date.getMinutes())}`;
  const sameDay = date.getFullYear() === now.getFullYear() && date.getMonth() === now.getMonth() && date.getDate() === now.getDate();
  return sameDay ? `${clock}:${two(date.getSeconds())}` : `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${clock}`;
}
