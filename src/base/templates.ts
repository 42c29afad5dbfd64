/**
 * Whether a value may hold Ansible templating, as Ansible's Templar decides it
 * (is_possibly_template with the default delimiters): text with `{{`, `{%` or `{#`,
 * anywhere in the values of objects and arrays. Calls without any are never sent to the
 * controller's Ansible worker.
 */
export function mayBeTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%') || s.includes('{#');
}

export function hasTemplate(v: unknown): boolean {
  if (typeof v === 'string') return mayBeTemplate(v);
  if (Array.isArray(v)) return v.some(hasTemplate);
  if (v !== null && typeof v === 'object') return Object.values(v).some(hasTemplate);
  return false;
}
