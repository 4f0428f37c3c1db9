/**
 * The fake GitHub's memory: repositories and what lives in them, the token's
 * permissions, the rate limit, and artifact download URLs. Tests seed it with
 * the `add*` / `set*` methods and read it back with the inspectors
 * (`checkRuns`, `comments`, `tags`, `refs`, `statuses`...), which return
 * copies. Methods that take `repo?: 'owner/name'` default to the first
 * repository added.
 */
import {
  botUser,
  fakeSha,
  githubTime,
  userIdFor,
  type AnnotationRecord,
  type AppIdentity,
  type ArtifactRecord,
  type CheckRunRecord,
  type CommentRecord,
  type FileChange,
  type PullRecord,
  type RepoRecord,
  type RunRecord,
  type StatusRecord,
  type TagRecord,
  type UserIdentity,
} from './shapes.js';

export type Permission = 'none' | 'read' | 'write';
export const PERMISSION_NAMES = ['actions', 'checks', 'contents', 'issues', 'metadata', 'pull_requests', 'statuses'] as const;
export type PermissionName = (typeof PERMISSION_NAMES)[number];
export type Permissions = Record<PermissionName, Permission>;

export interface RepoSeed {
  owner: string;
  repo: string;
  /** Default `main`. */
  defaultBranch?: string;
  /** Commit the default branch points at (a `refs/heads/<default>` ref is created). */
  headSha?: string;
  private?: boolean;
  /** A fork of another repository (used for fork pull requests' head repository). */
  fork?: boolean;
  ownerType?: 'User' | 'Organization';
  id?: number;
  installationId?: number;
}

export interface PullSeed {
  repo?: string;
  number: number;
  headSha: string;
  baseSha: string;
  headRef: string;
  baseRef: string;
  /** `owner/name` of the head repository; a different one makes a fork pull request (it is added, as a fork, when missing). Default: the base repository. */
  headRepoFullName?: string;
  title?: string;
  body?: string | null;
  state?: 'open' | 'closed';
  merged?: boolean;
  draft?: boolean;
  /** Author login; default `octocat`. */
  user?: string;
  mergeCommitSha?: string | null;
  files?: FileChange[];
}

export interface RunSeed {
  repo?: string;
  id: number;
  headSha: string;
  headBranch?: string | null;
  /** Default `pull_request`. */
  event?: string;
  /** Pull request numbers (seeded with `addPull`) the run belongs to. */
  pullRequests?: number[];
  /** `owner/name` of the repository the head commit is in; default the repository. */
  headRepoFullName?: string;
  name?: string;
  status?: string;
  conclusion?: string | null;
  runAttempt?: number;
}

export interface CheckRunSeed {
  repo?: string;
  headSha: string;
  name: string;
  status?: 'queued' | 'in_progress' | 'completed';
  conclusion?: string | null;
  /** The app that owns it; default the fake's own app. */
  app?: AppIdentity;
  output?: { title?: string | null; summary?: string | null; text?: string | null };
}

export interface CommentSeed {
  repo?: string;
  body: string;
  /** Default `octocat`; a login ending in `[bot]` is a bot. */
  user?: string;
}

export interface CompareSeed {
  repo?: string;
  /** Branch name or SHA, as the client will send it. */
  base: string;
  head: string;
  files: FileChange[];
  aheadBy?: number;
  behindBy?: number;
}

export interface CompareRecord {
  repo: string;
  base: string;
  head: string;
  files: FileChange[];
  aheadBy: number;
  behindBy: number;
}

export interface DownloadRecord {
  token: string;
  artifactId: number;
  repo: string;
  expiresAt: number;
  expired: boolean;
}

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Epoch seconds. */
  reset: number;
  used: number;
}

const SHA = /^[0-9a-f]{40}$/;

const ID_BASES = {
  repo: 700_000_000,
  checkRun: 20_000_000_000,
  checkSuite: 19_000_000_000,
  status: 30_000_000_000,
  comment: 2_000_000_000,
  pull: 1_800_000_000,
  artifact: 3_000_000_000,
  installation: 50_000_000,
} as const;

function keyOf(fullName: string): string {
  return fullName.toLowerCase();
}

export class FakeGitHubState {
  readonly repos = new Map<string, RepoRecord>();
  /** repo key -> full ref name (`refs/heads/main`) -> SHA. */
  readonly refMap = new Map<string, Map<string, string>>();
  readonly checkRunList: CheckRunRecord[] = [];
  readonly statusList: StatusRecord[] = [];
  readonly commentList: CommentRecord[] = [];
  /** repo key -> issue and pull request numbers. */
  readonly issueNumbers = new Map<string, Set<number>>();
  readonly tagList: TagRecord[] = [];
  readonly pullList: PullRecord[] = [];
  /** repo key -> ref as seeded -> path -> content. */
  readonly fileMap = new Map<string, Map<string, Map<string, Buffer>>>();
  readonly runList: RunRecord[] = [];
  readonly artifactList: ArtifactRecord[] = [];
  readonly compareList: CompareRecord[] = [];
  /** repo key -> commit SHA -> its parents, first parent first (`addCommit`). */
  readonly commitMap = new Map<string, Map<string, string[]>>();
  readonly downloads = new Map<string, DownloadRecord>();
  readonly checkSuites = new Map<string, number>();
  permissionSet: Permissions;
  rateLimit: RateLimitState;
  /** Installation tokens handed out by `POST /app/installations/{id}/access_tokens`. */
  readonly issuedTokens: string[] = [];
  private readonly seq = new Map<string, number>();

  constructor(readonly env: { now: () => number; app: AppIdentity; rateLimit: number }) {
    this.permissionSet = FakeGitHubState.defaultPermissions();
    this.rateLimit = FakeGitHubState.freshRateLimit(env);
  }

  private static defaultPermissions(): Permissions {
    return Object.fromEntries(PERMISSION_NAMES.map((p) => [p, p === 'metadata' ? 'read' : 'write'])) as Permissions;
  }

  private static freshRateLimit(env: { now: () => number; rateLimit: number }): RateLimitState {
    return { limit: env.rateLimit, remaining: env.rateLimit, used: 0, reset: Math.floor(env.now() / 1000) + 3600 };
  }

  /** Forgets everything, in place (references to this object stay valid). */
  clear(): void {
    for (const m of [this.repos, this.refMap, this.issueNumbers, this.fileMap, this.commitMap, this.downloads, this.checkSuites, this.seq]) m.clear();
    for (const a of [this.checkRunList, this.statusList, this.commentList, this.tagList, this.pullList, this.runList, this.artifactList, this.compareList, this.issuedTokens]) {
      a.length = 0;
    }
    this.permissionSet = FakeGitHubState.defaultPermissions();
    this.rateLimit = FakeGitHubState.freshRateLimit(this.env);
  }

  nextId(kind: keyof typeof ID_BASES): number {
    const n = (this.seq.get(kind) ?? 0) + 1;
    this.seq.set(kind, n);
    return ID_BASES[kind] + n;
  }

  time(): string {
    return githubTime(this.env.now());
  }

  /** The repository record for `owner/name`, or the first one added. */
  repo(fullName?: string): RepoRecord {
    if (fullName === undefined) {
      const first = this.repos.values().next();
      if (first.done) throw new Error('fake GitHub: no repository yet (state.addRepo first)');
      return first.value;
    }
    const r = this.repos.get(keyOf(fullName));
    if (!r) throw new Error(`fake GitHub: no repository ${fullName} (state.addRepo first)`);
    return r;
  }

  findRepo(owner: string, name: string): RepoRecord | undefined {
    return this.repos.get(keyOf(`${owner}/${name}`));
  }

  // ---- seeding ----

  addRepo(seed: RepoSeed): RepoRecord {
    const fullName = `${seed.owner}/${seed.repo}`;
    const existing = this.repos.get(keyOf(fullName));
    if (existing) return existing;
    const r: RepoRecord = {
      id: seed.id ?? this.nextId('repo'),
      owner: seed.owner,
      name: seed.repo,
      fullName,
      ownerId: userIdFor(seed.owner),
      ownerType: seed.ownerType ?? 'Organization',
      defaultBranch: seed.defaultBranch ?? 'main',
      private: seed.private ?? false,
      fork: seed.fork ?? false,
      installationId: seed.installationId ?? this.nextId('installation'),
      createdAt: this.time(),
    };
    this.repos.set(keyOf(fullName), r);
    this.refMap.set(keyOf(fullName), new Map());
    if (seed.headSha) this.setRef(`refs/heads/${r.defaultBranch}`, seed.headSha, fullName);
    return r;
  }

  setRef(ref: string, sha: string, repo?: string): void {
    if (!ref.startsWith('refs/')) throw new Error(`fake GitHub: ref ${ref} must start with refs/`);
    this.refs0(repo).set(ref, sha);
  }

  addIssue(number: number, repo?: string): void {
    const r = this.repo(repo);
    let set = this.issueNumbers.get(keyOf(r.fullName));
    if (!set) this.issueNumbers.set(keyOf(r.fullName), (set = new Set()));
    set.add(number);
  }

  addPull(seed: PullSeed): PullRecord {
    const base = this.repo(seed.repo);
    for (const sha of [seed.headSha, seed.baseSha]) if (!SHA.test(sha)) throw new Error(`fake GitHub: ${sha} is not a 40-character SHA`);
    const headRepoFullName = seed.headRepoFullName ?? base.fullName;
    if (!this.repos.has(keyOf(headRepoFullName))) {
      const [owner, name] = headRepoFullName.split('/') as [string, string];
      this.addRepo({ owner, repo: name, fork: true, ownerType: 'User', defaultBranch: base.defaultBranch });
    }
    const p: PullRecord = {
      repo: base.fullName,
      id: this.nextId('pull'),
      number: seed.number,
      title: seed.title ?? `Pull request #${seed.number}`,
      body: seed.body ?? null,
      state: seed.state ?? 'open',
      merged: seed.merged ?? false,
      draft: seed.draft ?? false,
      user: this.user(seed.user ?? 'octocat'),
      headSha: seed.headSha,
      headRef: seed.headRef,
      headRepoFullName: this.repo(headRepoFullName).fullName,
      baseSha: seed.baseSha,
      baseRef: seed.baseRef,
      mergeCommitSha: seed.mergeCommitSha ?? null,
      files: (seed.files ?? []).map((f) => ({ ...f })),
      createdAt: this.time(),
    };
    this.pullList.push(p);
    this.addIssue(seed.number, base.fullName);
    const refs = this.refs0(base.fullName);
    if (!refs.has(`refs/heads/${seed.baseRef}`)) refs.set(`refs/heads/${seed.baseRef}`, seed.baseSha);
    const headRefs = this.refs0(headRepoFullName);
    if (!headRefs.has(`refs/heads/${seed.headRef}`)) headRefs.set(`refs/heads/${seed.headRef}`, seed.headSha);
    return p;
  }

  /** A file at a ref (branch name, tag name or SHA, as the client will ask for it). */
  addFile(ref: string, path: string, content: string | Buffer, repo?: string): void {
    const r = this.repo(repo);
    let byRef = this.fileMap.get(keyOf(r.fullName));
    if (!byRef) this.fileMap.set(keyOf(r.fullName), (byRef = new Map()));
    let files = byRef.get(ref);
    if (!files) byRef.set(ref, (files = new Map()));
    files.set(path.replace(/^\/+/, ''), Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'));
  }

  addRun(seed: RunSeed): RunRecord {
    const r = this.repo(seed.repo);
    if (!SHA.test(seed.headSha)) throw new Error(`fake GitHub: ${seed.headSha} is not a 40-character SHA`);
    const run: RunRecord = {
      repo: r.fullName,
      id: seed.id,
      name: seed.name ?? 'CI',
      headSha: seed.headSha,
      headBranch: seed.headBranch === undefined ? null : seed.headBranch,
      headRepoFullName: this.repo(seed.headRepoFullName ?? r.fullName).fullName,
      event: seed.event ?? 'pull_request',
      status: seed.status ?? 'completed',
      conclusion: seed.conclusion === undefined ? 'success' : seed.conclusion,
      runNumber: this.runList.filter((x) => x.repo === r.fullName).length + 1,
      runAttempt: seed.runAttempt ?? 1,
      workflowId: 161_335,
      pullRequests: [...(seed.pullRequests ?? [])],
      createdAt: this.time(),
    };
    this.runList.push(run);
    return run;
  }

  /** An artifact of a run added with `addRun`; its bytes are served by the download URL. */
  addArtifact(runId: number, name: string, zip: Buffer, opts: { repo?: string; expired?: boolean } = {}): ArtifactRecord {
    const r = this.repo(opts.repo);
    if (!this.runList.some((x) => x.id === runId && x.repo === r.fullName)) {
      throw new Error(`fake GitHub: no workflow run ${runId} in ${r.fullName} (state.addRun first)`);
    }
    const now = this.env.now();
    const a: ArtifactRecord = {
      repo: r.fullName,
      id: this.nextId('artifact'),
      runId,
      name,
      zip,
      expired: opts.expired ?? false,
      createdAt: githubTime(now),
      expiresAt: githubTime(now + 90 * 24 * 3600 * 1000),
    };
    this.artifactList.push(a);
    return a;
  }

  /** A comment by someone else (a person, or another bot). */
  addComment(issueNumber: number, seed: CommentSeed): CommentRecord {
    const r = this.repo(seed.repo);
    if (!this.issueNumbers.get(keyOf(r.fullName))?.has(issueNumber)) this.addIssue(issueNumber, r.fullName);
    const t = this.time();
    const c: CommentRecord = {
      repo: r.fullName,
      id: this.nextId('comment'),
      issueNumber,
      body: seed.body,
      user: this.user(seed.user ?? 'octocat'),
      createdAt: t,
      updatedAt: t,
      app: null,
    };
    this.commentList.push(c);
    return c;
  }

  /** A check run created by another app (or by this one, before the test starts). */
  addCheckRun(seed: CheckRunSeed): CheckRunRecord {
    const r = this.repo(seed.repo);
    const app = seed.app ?? this.env.app;
    const t = this.time();
    const status = seed.conclusion ? 'completed' : (seed.status ?? 'completed');
    const run: CheckRunRecord = {
      repo: r.fullName,
      id: this.nextId('checkRun'),
      name: seed.name,
      headSha: seed.headSha,
      status,
      conclusion: status === 'completed' ? (seed.conclusion ?? 'success') : null,
      detailsUrl: null,
      externalId: null,
      startedAt: t,
      completedAt: status === 'completed' ? t : null,
      output: { title: seed.output?.title ?? null, summary: seed.output?.summary ?? null, text: seed.output?.text ?? null },
      annotations: [],
      app,
      checkSuiteId: this.checkSuiteId(r.fullName, seed.headSha, app.id),
      updates: 0,
      pullRequests: this.pullsForSha(r.fullName, seed.headSha).map((p) => p.number),
    };
    this.checkRunList.push(run);
    return run;
  }

  /** What `GET /compare/{base}...{head}` answers for that pair (pull requests seeded with `addPull` answer without this). */
  addCompare(seed: CompareSeed): void {
    const r = this.repo(seed.repo);
    this.compareList.push({
      repo: r.fullName,
      base: seed.base,
      head: seed.head,
      files: seed.files.map((f) => ({ ...f })),
      aheadBy: seed.aheadBy ?? 1,
      behindBy: seed.behindBy ?? 0,
    });
  }

  /**
   * A commit and its parents (first parent first; none: a root commit), as
   * `GET /git/commits/{sha}` answers. Commits not added here that the fake
   * knows otherwise (ref targets, pull request heads and bases, run heads)
   * answer as root commits; any other SHA answers 404.
   */
  addCommit(sha: string, parents: string[] = [], repo?: string): void {
    const r = this.repo(repo);
    for (const s of [sha, ...parents]) if (!SHA.test(s)) throw new Error(`fake GitHub: ${s} is not a 40-character SHA`);
    let commits = this.commitMap.get(keyOf(r.fullName));
    if (!commits) this.commitMap.set(keyOf(r.fullName), (commits = new Map()));
    commits.set(sha, [...parents]);
  }

  /** Merges into the token's permissions (default: write on everything, read on metadata). */
  setPermissions(perms: Partial<Permissions>): void {
    this.permissionSet = { ...this.permissionSet, ...perms };
  }

  /** A fork pull request's `GITHUB_TOKEN`: every write permission becomes read. */
  readOnly(): void {
    for (const p of PERMISSION_NAMES) if (this.permissionSet[p] === 'write') this.permissionSet[p] = 'read';
  }

  setRateLimit(r: Partial<Omit<RateLimitState, 'used'>>): void {
    this.rateLimit = { ...this.rateLimit, ...r };
  }

  /** Every artifact download URL handed out so far stops working (storage answers 403). */
  expireDownloadUrls(): void {
    for (const d of this.downloads.values()) d.expired = true;
  }

  // ---- inspectors (copies) ----

  checkRuns(sha?: string, repo?: string): CheckRunRecord[] {
    const r = this.repo(repo);
    return structuredClone(this.checkRunList.filter((c) => c.repo === r.fullName && (sha === undefined || c.headSha === sha)));
  }

  annotations(checkRunId: number): AnnotationRecord[] {
    return structuredClone(this.checkRunList.find((c) => c.id === checkRunId)?.annotations ?? []);
  }

  comments(issueNumber: number, repo?: string): CommentRecord[] {
    const r = this.repo(repo);
    return structuredClone(this.commentList.filter((c) => c.repo === r.fullName && c.issueNumber === issueNumber));
  }

  statuses(sha: string, repo?: string): StatusRecord[] {
    const r = this.repo(repo);
    return structuredClone(this.statusList.filter((s) => s.repo === r.fullName && s.sha === sha));
  }

  tags(repo?: string): TagRecord[] {
    const r = this.repo(repo);
    return structuredClone(this.tagList.filter((t) => t.repo === r.fullName));
  }

  /** Full ref name (`refs/tags/v1`) -> SHA. */
  refs(repo?: string): Record<string, string> {
    return Object.fromEntries(this.refs0(repo));
  }

  pulls(repo?: string): PullRecord[] {
    const r = this.repo(repo);
    return structuredClone(this.pullList.filter((p) => p.repo === r.fullName));
  }

  // ---- internal helpers used by the server ----

  refs0(repo?: string): Map<string, string> {
    const r = this.repo(repo);
    let m = this.refMap.get(keyOf(r.fullName));
    if (!m) this.refMap.set(keyOf(r.fullName), (m = new Map()));
    return m;
  }

  user(login: string): UserIdentity {
    if (login === botUser(this.env.app).login) return botUser(this.env.app);
    return { login, id: userIdFor(login), type: login.endsWith('[bot]') ? 'Bot' : 'User' };
  }

  checkSuiteId(repo: string, sha: string, appId: number): number {
    const k = `${keyOf(repo)} ${sha} ${appId}`;
    let id = this.checkSuites.get(k);
    if (id === undefined) this.checkSuites.set(k, (id = this.nextId('checkSuite')));
    return id;
  }

  /** A commit's parents (see `addCommit`), or undefined when the fake does not know the commit. */
  commitParents(repo: string, sha: string): string[] | undefined {
    const r = this.repo(repo);
    const seeded = this.commitMap.get(keyOf(r.fullName))?.get(sha);
    if (seeded) return [...seeded];
    const tagObjects = new Set(this.tagList.filter((t) => t.repo === r.fullName).map((t) => t.sha));
    const known =
      [...this.refs0(r.fullName).values()].some((s) => s === sha && !tagObjects.has(s)) ||
      this.pullList.some((p) => p.repo === r.fullName && (p.headSha === sha || p.baseSha === sha || p.mergeCommitSha === sha)) ||
      this.runList.some((x) => x.repo === r.fullName && x.headSha === sha);
    return known ? [] : undefined;
  }

  pullsForSha(repo: string, sha: string): PullRecord[] {
    return this.pullList.filter((p) => p.repo === this.repo(repo).fullName && p.headSha === sha && p.state === 'open');
  }

  /** A SHA for a ref as the API accepts it: a SHA, a branch or tag name, `heads/x`, `tags/x`, `refs/...`. */
  resolveRef(repo: string, ref: string): string | undefined {
    if (SHA.test(ref)) return ref;
    const refs = this.refs0(repo);
    for (const candidate of [ref, `refs/${ref}`, `refs/heads/${ref}`, `refs/tags/${ref}`]) {
      const sha = refs.get(candidate);
      if (sha !== undefined) {
        const tag = this.tagList.find((t) => t.sha === sha && t.repo === this.repo(repo).fullName);
        return tag ? tag.object.sha : sha;
      }
    }
    return undefined;
  }

  tagSha(t: Omit<TagRecord, 'sha' | 'repo'>): string {
    return fakeSha('tag', t.tag, t.object.sha, t.message, t.tagger.date, this.tagList.length);
  }
}

export function isSha(s: string): boolean {
  return SHA.test(s);
}
