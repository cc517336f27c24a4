/** DRF's two paginations as Flagsmith configures them. */
import { ApiError } from '../errors.js';
import type { Ctx } from './router.js';

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

function link(ctx: Ctx, page: number): string {
  const url = new URL(ctx.url.pathname + ctx.url.search, ctx.baseUrl);
  if (page === 1) url.searchParams.delete('page');
  else url.searchParams.set('page', String(page));
  return url.toString();
}

function paginate<T>(ctx: Ctx, items: T[], size: number): Page<T> {
  const raw = ctx.url.searchParams.get('page');
  const pages = Math.max(1, Math.ceil(items.length / size));
  // DRF also takes `page=last`.
  const page = raw === null ? 1 : raw === 'last' ? pages : Number(raw);
  if (!Number.isInteger(page) || page < 1 || page > pages) throw new ApiError(404, { detail: 'Invalid page.' });
  return {
    count: items.length,
    next: page < pages ? link(ctx, page + 1) : null,
    previous: page > 1 ? link(ctx, page - 1) : null,
    results: items.slice((page - 1) * size, page * size),
  };
}

/** DRF's PageNumberPagination: `?page=` only, the size fixed by settings. */
export function pageOnly<T>(ctx: Ctx, items: T[]): Page<T> {
  return paginate(ctx, items, ctx.pageSize);
}

/** Flagsmith's CustomPagination: `?page_size=` up to 999, default 999. */
export function customPage<T>(ctx: Ctx, items: T[]): Page<T> {
  const requested = Number(ctx.url.searchParams.get('page_size'));
  const size = Number.isInteger(requested) && requested > 0 ? Math.min(requested, 999) : 999;
  return paginate(ctx, items, size);
}
