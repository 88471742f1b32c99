/** `get_available_slots` → `GetAvailableSlots`, for construct ids derived from tool names. */
export function pascalCase(snake: string): string {
  return snake
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
