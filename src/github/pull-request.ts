/**
 * The one reader of `owner/repo#N`, the pull request a rollback comments on (SPEC §3): used by the
 * rollback's input schema (CLI and starter alike) and by the notify activity. GitHub's own rules:
 * owner and repository names are letters, digits, `-`, `_` and `.`; a pull request number starts at 1.
 */

/** A pull request on GitHub (or GitHub Enterprise Server). */
export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
}

const PATTERN = /^([A-Za-z0-9_.-]{1,100})\/([A-Za-z0-9_.-]{1,100})#([1-9]\d{0,9})$/;

/** What to write, for error messages. */
export const PULL_REQUEST_FORMAT = 'owner/repo#N, e.g. acme/backend#1094';

/** The pull request `text` names, or null when it is not `owner/repo#N` (N ≥ 1). */
export function parsePullRequestRef(text: string): PullRequestRef | null {
  const match = PATTERN.exec(text);
  if (!match) return null;
  const [, owner, repo, number] = match;
  if (!owner || !repo || !number || owner === '.' || owner === '..' || repo === '.' || repo === '..') return null;
  const n = Number(number);
  return Number.isSafeInteger(n) && n <= 2_147_483_647 ? { owner, repo, number: n } : null;
}
