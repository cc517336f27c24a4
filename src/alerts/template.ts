/**
 * The reason and incident templates of `alerts.rules`: text with placeholders in Alertmanager's
 * spelling, and nothing more (no functions, no conditionals, no loops):
 *
 * - `{{ .labels.NAME }}`, `{{ .annotations.NAME }}`: one label or annotation (empty when absent);
 * - `{{ .labels }}`: every label as `name=value, …`, sorted by name;
 * - `{{ .alertname }}`, `{{ .fingerprint }}`, `{{ .status }}`, `{{ .source }}`, `{{ .rule }}`.
 *
 * A value is inserted as text: control characters become spaces and each value is cut, so an
 * alert cannot add lines or bloat a reason.
 */

/** What a template can read from one alert. */
export interface TemplateContext {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  alertname: string;
  fingerprint: string;
  status: string;
  source: string;
  rule: string;
}

const PLACEHOLDER = /\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?\s*\}\}/g;
const SCALARS = ['alertname', 'fingerprint', 'status', 'source', 'rule'] as const;
const MAPS = ['labels', 'annotations'] as const;
/** One inserted value at most this long. */
const MAX_VALUE = 256;

/** Why `template` cannot be used, or null when it can. */
export function templateProblem(template: string): string | null {
  for (const match of template.matchAll(PLACEHOLDER)) {
    const [, root = '', key] = match;
    if ((SCALARS as readonly string[]).includes(root)) {
      if (key !== undefined) return `{{ .${root}.${key} }}: .${root} has no fields`;
    } else if (!(MAPS as readonly string[]).includes(root)) {
      return `unknown placeholder {{ .${root}${key ? `.${key}` : ''} }} (use .labels.NAME, .annotations.NAME, .labels, ${SCALARS.map((s) => `.${s}`).join(', ')})`;
    }
  }
  const rest = template.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}')) return 'a "{{" or "}}" that is not a placeholder like {{ .annotations.summary }}';
  return null;
}

function clean(value: string): string {
  const flat = value.replace(/\p{Cc}+/gu, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > MAX_VALUE ? `${flat.slice(0, MAX_VALUE - 1)}…` : flat;
}

/** Every label as `name=value, …`, sorted by name. */
export function labelsText(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${clean(name)}=${clean(labels[name] ?? '')}`)
    .join(', ');
}

/** Render a template checked by {@link templateProblem} (an unknown placeholder renders empty). */
export function renderTemplate(template: string, context: TemplateContext): string {
  const rendered = template.replace(PLACEHOLDER, (_match, root: string, key: string | undefined) => {
    if (root === 'labels' || root === 'annotations') {
      if (key === undefined) return root === 'labels' ? labelsText(context.labels) : '';
      return clean(context[root][key] ?? '');
    }
    if ((SCALARS as readonly string[]).includes(root) && key === undefined) return clean(context[root as (typeof SCALARS)[number]]);
    return '';
  });
  return rendered.replace(/\s+/g, ' ').trim();
}
