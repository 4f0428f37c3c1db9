/**
 * GitHub-shaped JSON for the fake server's answers. Every builder produces
 * the fields GitHub's REST description marks required for that object (the
 * fake server checks its own answers against the description), with URLs
 * pointing at the fake server for API links and at https://github.com for
 * web links, as GitHub Enterprise would with its own hosts.
 */
import { createHash } from 'node:crypto';

export interface ShapeContext {
  /** The fake server's base URL, without a trailing slash. */
  api: string;
  /** Web host for `html_url`s. */
  web: string;
}

export interface AppIdentity {
  id: number;
  slug: string;
  name: string;
}

export interface UserIdentity {
  login: string;
  id: number;
  type: 'User' | 'Bot' | 'Organization';
}

export interface RepoRecord {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  ownerId: number;
  ownerType: 'User' | 'Organization';
  defaultBranch: string;
  private: boolean;
  fork: boolean;
  installationId: number;
  createdAt: string;
}

export function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`0${kind.length}:${kind}${id}`).toString('base64').replace(/=+$/, '');
}

/** A git-style object id derived from the given parts (stable within a run). */
export function fakeSha(...parts: (string | number)[]): string {
  return createHash('sha1').update(parts.join('\0')).digest('hex');
}

/** The id a login gets when none was given: stable, positive, below 2^31. */
export function userIdFor(login: string): number {
  return (parseInt(fakeSha('user', login).slice(0, 7), 16) % 90_000_000) + 1_000_000;
}

export function botUser(app: AppIdentity): UserIdentity {
  return { login: `${app.slug}[bot]`, id: 41_000_000 + app.id, type: 'Bot' };
}

export function userObject(ctx: ShapeContext, u: UserIdentity): Record<string, unknown> {
  const api = `${ctx.api}/users/${encodeURIComponent(u.login)}`;
  return {
    login: u.login,
    id: u.id,
    node_id: nodeId(u.type === 'Bot' ? 'Bot' : 'User', u.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${u.id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: u.type === 'Bot' ? `${ctx.web}/apps/${encodeURIComponent(u.login.replace(/\[bot\]$/, ''))}` : `${ctx.web}/${encodeURIComponent(u.login)}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: u.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

export function ownerOf(repo: RepoRecord): UserIdentity {
  return { login: repo.owner, id: repo.ownerId, type: repo.ownerType };
}

/** A repository with every field of `full-repository` (a superset of `repository` and `minimal-repository`). */
export function repositoryObject(ctx: ShapeContext, r: RepoRecord): Record<string, unknown> {
  const api = `${ctx.api}/repos/${r.fullName}`;
  const web = `${ctx.web}/${r.fullName}`;
  const host = new URL(ctx.web).host;
  return {
    id: r.id,
    node_id: nodeId('Repository', r.id),
    name: r.name,
    full_name: r.fullName,
    owner: userObject(ctx, ownerOf(r)),
    private: r.private,
    visibility: r.private ? 'private' : 'public',
    html_url: web,
    description: null,
    fork: r.fork,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `git://${host}/${r.fullName}.git`,
    hooks_url: `${api}/hooks`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@${host}:${r.fullName}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: `${web}.git`,
    mirror_url: null,
    svn_url: web,
    homepage: null,
    language: 'TypeScript',
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    size: 1024,
    default_branch: r.defaultBranch,
    open_issues: 0,
    open_issues_count: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    license: null,
    pushed_at: r.createdAt,
    created_at: r.createdAt,
    updated_at: r.createdAt,
    allow_forking: true,
    web_commit_signoff_required: false,
    network_count: 0,
    subscribers_count: 0,
  };
}

export function appObject(ctx: ShapeContext, app: AppIdentity, owner: UserIdentity, createdAt: string): Record<string, unknown> {
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId('App', app.id),
    client_id: `Iv1.${fakeSha('client', app.id).slice(0, 16)}`,
    owner: userObject(ctx, owner),
    name: app.name,
    description: null,
    external_url: `${ctx.web}/apps/${app.slug}`,
    html_url: `${ctx.web}/apps/${app.slug}`,
    created_at: createdAt,
    updated_at: createdAt,
    permissions: { checks: 'write', contents: 'write', issues: 'write', metadata: 'read', pull_requests: 'write', statuses: 'write', actions: 'read' },
    events: ['check_run', 'pull_request', 'push', 'workflow_run'],
  };
}

export interface CheckRunRecord {
  repo: string;
  id: number;
  name: string;
  headSha: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  detailsUrl: string | null;
  externalId: string | null;
  startedAt: string | null;
  completedAt: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: AnnotationRecord[];
  app: AppIdentity;
  checkSuiteId: number;
  /** PATCH requests that changed this check run. */
  updates: number;
  pullRequests: number[];
}

export interface AnnotationRecord {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

export function checkRunObject(
  ctx: ShapeContext,
  r: CheckRunRecord,
  repo: RepoRecord,
  appOwner: UserIdentity,
  created: string,
  pulls: PullRecord[],
): Record<string, unknown> {
  const api = `${ctx.api}/repos/${repo.fullName}/check-runs/${r.id}`;
  return {
    id: r.id,
    name: r.name,
    node_id: nodeId('CheckRun', r.id),
    head_sha: r.headSha,
    external_id: r.externalId ?? '',
    url: api,
    html_url: `${ctx.web}/${repo.fullName}/runs/${r.id}`,
    details_url: r.detailsUrl ?? `${ctx.web}/apps/${r.app.slug}`,
    status: r.status,
    conclusion: r.conclusion,
    started_at: r.startedAt,
    completed_at: r.completedAt,
    output: {
      title: r.output.title,
      summary: r.output.summary,
      text: r.output.text,
      annotations_count: r.annotations.length,
      annotations_url: `${api}/annotations`,
    },
    check_suite: { id: r.checkSuiteId },
    app: appObject(ctx, r.app, appOwner, created),
    pull_requests: pulls.filter((p) => p.repo === repo.fullName && r.pullRequests.includes(p.number)).map((p) => pullMinimal(ctx, p, repo)),
  };
}

export function annotationObject(ctx: ShapeContext, a: AnnotationRecord, repo: RepoRecord, headSha: string): Record<string, unknown> {
  return {
    path: a.path,
    blob_href: `${ctx.web}/${repo.fullName}/blob/${headSha}/${a.path}`,
    start_line: a.start_line,
    end_line: a.end_line,
    start_column: a.start_column ?? null,
    end_column: a.end_column ?? null,
    annotation_level: a.annotation_level,
    title: a.title ?? null,
    message: a.message,
    raw_details: a.raw_details ?? null,
  };
}

export interface StatusRecord {
  repo: string;
  id: number;
  sha: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description: string | null;
  targetUrl: string | null;
  createdAt: string;
  updatedAt: string;
  creator: UserIdentity;
}

export function statusObject(ctx: ShapeContext, s: StatusRecord, repo: RepoRecord): Record<string, unknown> {
  return {
    url: `${ctx.api}/repos/${repo.fullName}/statuses/${s.sha}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${s.creator.id}?v=4`,
    id: s.id,
    node_id: nodeId('StatusContext', s.id),
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    creator: userObject(ctx, s.creator),
  };
}

export interface CommentRecord {
  repo: string;
  id: number;
  issueNumber: number;
  body: string;
  user: UserIdentity;
  createdAt: string;
  updatedAt: string;
  /** The app the comment was posted through, when it was. */
  app: AppIdentity | null;
}

export function commentObject(ctx: ShapeContext, c: CommentRecord, repo: RepoRecord, appOwner: UserIdentity): Record<string, unknown> {
  return {
    id: c.id,
    node_id: nodeId('IssueComment', c.id),
    url: `${ctx.api}/repos/${repo.fullName}/issues/comments/${c.id}`,
    html_url: `${ctx.web}/${repo.fullName}/pull/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${ctx.api}/repos/${repo.fullName}/issues/${c.issueNumber}`,
    body: c.body,
    user: userObject(ctx, c.user),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: c.user.type === 'Bot' ? 'NONE' : c.user.login === repo.owner ? 'OWNER' : 'CONTRIBUTOR',
    performed_via_github_app: c.app ? appObject(ctx, c.app, appOwner, c.createdAt) : null,
    reactions: {
      url: `${ctx.api}/repos/${repo.fullName}/issues/comments/${c.id}/reactions`,
      total_count: 0,
      '+1': 0,
      '-1': 0,
      laugh: 0,
      confused: 0,
      heart: 0,
      hooray: 0,
      eyes: 0,
      rocket: 0,
    },
  };
}

export interface TagRecord {
  repo: string;
  sha: string;
  tag: string;
  message: string;
  object: { sha: string; type: 'commit' | 'tree' | 'blob' };
  tagger: { name: string; email: string; date: string };
}

export function tagObject(ctx: ShapeContext, t: TagRecord, repo: RepoRecord): Record<string, unknown> {
  const api = `${ctx.api}/repos/${repo.fullName}`;
  return {
    node_id: nodeId('Tag', t.sha),
    tag: t.tag,
    sha: t.sha,
    url: `${api}/git/tags/${t.sha}`,
    message: t.message,
    tagger: t.tagger,
    object: { sha: t.object.sha, type: t.object.type, url: `${api}/git/${t.object.type}s/${t.object.sha}` },
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  };
}

export function refObject(ctx: ShapeContext, ref: string, sha: string, type: 'commit' | 'tag', repo: RepoRecord): Record<string, unknown> {
  const api = `${ctx.api}/repos/${repo.fullName}`;
  return {
    ref,
    node_id: nodeId('Ref', `${repo.id}:${ref}`),
    url: `${api}/git/${ref}`,
    object: { type, sha, url: `${api}/git/${type}s/${sha}` },
  };
}

export interface FileChange {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  /** The hunks, from the first `@@` line; absent for binary or too large files, as on GitHub. */
  patch?: string;
  previousFilename?: string;
}

export function countPatch(patch: string | undefined): { additions: number; deletions: number } {
  let additions = 0;
  let deletions = 0;
  for (const line of (patch ?? '').split('\n')) {
    if (line.startsWith('+')) additions++;
    else if (line.startsWith('-')) deletions++;
  }
  return { additions, deletions };
}

export function diffEntryObject(ctx: ShapeContext, f: FileChange, repo: RepoRecord, headSha: string): Record<string, unknown> {
  const { additions, deletions } = countPatch(f.patch);
  const enc = f.filename.split('/').map(encodeURIComponent).join('/');
  const out: Record<string, unknown> = {
    sha: f.status === 'removed' ? fakeSha('blob', f.filename, 'removed') : fakeSha('blob', f.filename, headSha),
    filename: f.filename,
    status: f.status,
    additions,
    deletions,
    changes: additions + deletions,
    blob_url: `${ctx.web}/${repo.fullName}/blob/${headSha}/${enc}`,
    raw_url: `${ctx.web}/${repo.fullName}/raw/${headSha}/${enc}`,
    contents_url: `${ctx.api}/repos/${repo.fullName}/contents/${enc}?ref=${headSha}`,
  };
  if (f.patch !== undefined) out.patch = f.patch;
  if (f.previousFilename !== undefined) out.previous_filename = f.previousFilename;
  return out;
}

/** The `.diff` media type: `git diff` text built from the files' patches. */
export function unifiedDiff(files: FileChange[]): string {
  let out = '';
  for (const f of files) {
    const oldName = f.previousFilename ?? f.filename;
    out += `diff --git a/${oldName} b/${f.filename}\n`;
    if (f.status === 'added') out += 'new file mode 100644\n';
    if (f.status === 'removed') out += 'deleted file mode 100644\n';
    if (f.status === 'renamed') out += `similarity index 90%\nrename from ${oldName}\nrename to ${f.filename}\n`;
    const before = f.status === 'added' ? '0000000' : fakeSha('blob', oldName, 'base').slice(0, 7);
    const after = f.status === 'removed' ? '0000000' : fakeSha('blob', f.filename, 'head').slice(0, 7);
    out += `index ${before}..${after}${f.status === 'added' || f.status === 'removed' ? '' : ' 100644'}\n`;
    const from = f.status === 'added' ? '/dev/null' : `a/${oldName}`;
    const to = f.status === 'removed' ? '/dev/null' : `b/${f.filename}`;
    if (f.patch === undefined) {
      out += `Binary files ${from} and ${to} differ\n`;
      continue;
    }
    out += `--- ${from}\n+++ ${to}\n${f.patch.endsWith('\n') ? f.patch : `${f.patch}\n`}`;
  }
  return out;
}

export interface PullRecord {
  repo: string;
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  merged: boolean;
  draft: boolean;
  user: UserIdentity;
  headSha: string;
  headRef: string;
  headRepoFullName: string;
  baseSha: string;
  baseRef: string;
  mergeCommitSha: string | null;
  files: FileChange[];
  createdAt: string;
}

export function pullMinimal(ctx: ShapeContext, p: PullRecord, repo: RepoRecord): Record<string, unknown> {
  const api = `${ctx.api}/repos/${repo.fullName}`;
  return {
    id: p.id,
    number: p.number,
    url: `${api}/pulls/${p.number}`,
    head: { ref: p.headRef, sha: p.headSha, repo: { id: repo.id, url: api, name: repo.name } },
    base: { ref: p.baseRef, sha: p.baseSha, repo: { id: repo.id, url: api, name: repo.name } },
  };
}

export function pullObject(
  ctx: ShapeContext,
  p: PullRecord,
  base: RepoRecord,
  head: RepoRecord,
  full: boolean,
): Record<string, unknown> {
  const api = `${ctx.api}/repos/${base.fullName}`;
  const web = `${ctx.web}/${base.fullName}/pull/${p.number}`;
  const link = (href: string) => ({ href });
  const out: Record<string, unknown> = {
    url: `${api}/pulls/${p.number}`,
    id: p.id,
    node_id: nodeId('PullRequest', p.id),
    html_url: web,
    diff_url: `${web}.diff`,
    patch_url: `${web}.patch`,
    issue_url: `${api}/issues/${p.number}`,
    commits_url: `${api}/pulls/${p.number}/commits`,
    review_comments_url: `${api}/pulls/${p.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${p.number}/comments`,
    statuses_url: `${api}/statuses/${p.headSha}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: userObject(ctx, p.user),
    body: p.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: p.createdAt,
    updated_at: p.createdAt,
    closed_at: p.state === 'closed' ? p.createdAt : null,
    merged_at: p.merged ? p.createdAt : null,
    merge_commit_sha: p.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: {
      label: `${head.owner}:${p.headRef}`,
      ref: p.headRef,
      sha: p.headSha,
      user: userObject(ctx, ownerOf(head)),
      repo: repositoryObject(ctx, head),
    },
    base: {
      label: `${base.owner}:${p.baseRef}`,
      ref: p.baseRef,
      sha: p.baseSha,
      user: userObject(ctx, ownerOf(base)),
      repo: repositoryObject(ctx, base),
    },
    _links: {
      self: link(`${api}/pulls/${p.number}`),
      html: link(web),
      issue: link(`${api}/issues/${p.number}`),
      comments: link(`${api}/issues/${p.number}/comments`),
      review_comments: link(`${api}/pulls/${p.number}/comments`),
      review_comment: link(`${api}/pulls/comments{/number}`),
      commits: link(`${api}/pulls/${p.number}/commits`),
      statuses: link(`${api}/statuses/${p.headSha}`),
    },
    author_association: p.user.login === base.owner ? 'OWNER' : 'CONTRIBUTOR',
    auto_merge: null,
    draft: p.draft,
  };
  if (full) {
    let additions = 0;
    let deletions = 0;
    for (const f of p.files) {
      const c = countPatch(f.patch);
      additions += c.additions;
      deletions += c.deletions;
    }
    Object.assign(out, {
      merged: p.merged,
      mergeable: p.state === 'open' ? true : null,
      rebaseable: p.state === 'open' ? true : null,
      mergeable_state: p.state === 'open' ? 'clean' : 'unknown',
      merged_by: null,
      comments: 0,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: 1,
      additions,
      deletions,
      changed_files: p.files.length,
    });
  }
  return out;
}

/** The git data every commit answer shares: author, committer, message, tree, signature. */
function gitCommitData(api: string, sha: string, date: string): Record<string, unknown> {
  const person = { name: 'Mona Lisa', email: 'mona@example.com', date };
  return {
    author: person,
    committer: person,
    message: `Commit ${sha.slice(0, 7)}`,
    tree: { sha: fakeSha('tree', sha), url: `${api}/git/trees/${fakeSha('tree', sha)}` },
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  };
}

/** A commit as the REST commits API shows it (`GET /commits/{ref}`, compare), without its files. */
export function commitObject(ctx: ShapeContext, repo: RepoRecord, sha: string, parents: string[], date: string): Record<string, unknown> {
  const api = `${ctx.api}/repos/${repo.fullName}`;
  return {
    url: `${api}/commits/${sha}`,
    sha,
    node_id: nodeId('Commit', sha),
    html_url: `${ctx.web}/${repo.fullName}/commit/${sha}`,
    comments_url: `${api}/commits/${sha}/comments`,
    commit: { url: `${api}/git/commits/${sha}`, ...gitCommitData(api, sha, date), comment_count: 0 },
    author: {},
    committer: {},
    parents: parents.map((p) => ({ sha: p, url: `${api}/commits/${p}`, html_url: `${ctx.web}/${repo.fullName}/commit/${p}` })),
  };
}

/** A commit as the git database shows it (`GET /git/commits/{sha}`): no files, no stats, parents as git commit URLs. */
export function gitCommitObject(ctx: ShapeContext, repo: RepoRecord, sha: string, parents: string[], date: string): Record<string, unknown> {
  const api = `${ctx.api}/repos/${repo.fullName}`;
  return {
    sha,
    node_id: nodeId('Commit', sha),
    url: `${api}/git/commits/${sha}`,
    html_url: `${ctx.web}/${repo.fullName}/commit/${sha}`,
    ...gitCommitData(api, sha, date),
    parents: parents.map((p) => ({ sha: p, url: `${api}/git/commits/${p}`, html_url: `${ctx.web}/${repo.fullName}/commit/${p}` })),
  };
}

export function contentFileObject(ctx: ShapeContext, repo: RepoRecord, path: string, ref: string, content: Buffer): Record<string, unknown> {
  const api = `${ctx.api}/repos/${repo.fullName}`;
  const enc = path.split('/').map(encodeURIComponent).join('/');
  const sha = createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
  const self = `${api}/contents/${enc}?ref=${encodeURIComponent(ref)}`;
  const html = `${ctx.web}/${repo.fullName}/blob/${encodeURIComponent(ref)}/${enc}`;
  const git = `${api}/git/blobs/${sha}`;
  const b64 = content.toString('base64');
  return {
    type: 'file',
    encoding: 'base64',
    size: content.length,
    name: path.split('/').pop(),
    path,
    // GitHub wraps base64 content at 60 characters.
    content: `${(b64.match(/.{1,60}/g) ?? []).join('\n')}\n`,
    sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: `${ctx.api}/_raw/${repo.fullName}/${encodeURIComponent(ref)}/${enc}`,
    _links: { self, git, html },
  };
}

export function contentDirEntry(ctx: ShapeContext, repo: RepoRecord, path: string, ref: string, type: 'file' | 'dir', size: number): Record<string, unknown> {
  const api = `${ctx.api}/repos/${repo.fullName}`;
  const enc = path.split('/').map(encodeURIComponent).join('/');
  const sha = fakeSha(type, path, ref);
  const self = `${api}/contents/${enc}?ref=${encodeURIComponent(ref)}`;
  const html = `${ctx.web}/${repo.fullName}/${type === 'dir' ? 'tree' : 'blob'}/${encodeURIComponent(ref)}/${enc}`;
  const git = `${api}/git/${type === 'dir' ? 'trees' : 'blobs'}/${sha}`;
  return {
    type,
    size: type === 'dir' ? 0 : size,
    name: path.split('/').pop(),
    path,
    sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: type === 'dir' ? null : `${ctx.api}/_raw/${repo.fullName}/${encodeURIComponent(ref)}/${enc}`,
    _links: { self, git, html },
  };
}

export interface RunRecord {
  repo: string;
  id: number;
  name: string;
  headSha: string;
  headBranch: string | null;
  headRepoFullName: string;
  event: string;
  status: string;
  conclusion: string | null;
  runNumber: number;
  runAttempt: number;
  workflowId: number;
  pullRequests: number[];
  createdAt: string;
}

export function runObject(
  ctx: ShapeContext,
  r: RunRecord,
  repo: RepoRecord,
  headRepo: RepoRecord,
  pulls: PullRecord[],
): Record<string, unknown> {
  const api = `${ctx.api}/repos/${repo.fullName}/actions/runs/${r.id}`;
  return {
    id: r.id,
    name: r.name,
    node_id: nodeId('WorkflowRun', r.id),
    check_suite_id: r.id + 7_000_000,
    check_suite_node_id: nodeId('CheckSuite', r.id + 7_000_000),
    head_branch: r.headBranch,
    head_sha: r.headSha,
    path: '.github/workflows/ci.yml',
    display_title: r.name,
    run_number: r.runNumber,
    run_attempt: r.runAttempt,
    event: r.event,
    status: r.status,
    conclusion: r.conclusion,
    workflow_id: r.workflowId,
    url: api,
    html_url: `${ctx.web}/${repo.fullName}/actions/runs/${r.id}`,
    pull_requests: pulls.map((p) => pullMinimal(ctx, p, repo)),
    created_at: r.createdAt,
    updated_at: r.createdAt,
    run_started_at: r.createdAt,
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    check_suite_url: `${ctx.api}/repos/${repo.fullName}/check-suites/${r.id + 7_000_000}`,
    artifacts_url: `${api}/artifacts`,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    previous_attempt_url: null,
    workflow_url: `${ctx.api}/repos/${repo.fullName}/actions/workflows/${r.workflowId}`,
    head_commit: {
      id: r.headSha,
      tree_id: fakeSha('tree', r.headSha),
      message: `Commit ${r.headSha.slice(0, 7)}`,
      timestamp: r.createdAt,
      author: { name: 'Mona Lisa', email: 'mona@example.com' },
      committer: { name: 'Mona Lisa', email: 'mona@example.com' },
    },
    repository: repositoryObject(ctx, repo),
    head_repository: repositoryObject(ctx, headRepo),
    head_repository_id: headRepo.id,
  };
}

export interface ArtifactRecord {
  repo: string;
  id: number;
  runId: number;
  name: string;
  zip: Buffer;
  expired: boolean;
  createdAt: string;
  expiresAt: string;
}

export function artifactObject(ctx: ShapeContext, a: ArtifactRecord, repo: RepoRecord, run: RunRecord, headRepo: RepoRecord): Record<string, unknown> {
  const api = `${ctx.api}/repos/${repo.fullName}/actions/artifacts/${a.id}`;
  return {
    id: a.id,
    node_id: nodeId('Artifact', a.id),
    name: a.name,
    size_in_bytes: a.zip.length,
    url: api,
    archive_download_url: `${api}/zip`,
    expired: a.expired,
    digest: `sha256:${createHash('sha256').update(a.zip).digest('hex')}`,
    created_at: a.createdAt,
    updated_at: a.createdAt,
    expires_at: a.expiresAt,
    workflow_run: { id: run.id, repository_id: repo.id, head_repository_id: headRepo.id, head_branch: run.headBranch ?? '', head_sha: run.headSha },
  };
}

export function installationObject(ctx: ShapeContext, repo: RepoRecord, app: AppIdentity, permissions: Record<string, string>): Record<string, unknown> {
  const owner = ownerOf(repo);
  return {
    id: repo.installationId,
    account: userObject(ctx, owner),
    repository_selection: 'all',
    access_tokens_url: `${ctx.api}/app/installations/${repo.installationId}/access_tokens`,
    repositories_url: `${ctx.api}/installation/repositories`,
    html_url: `${ctx.web}/settings/installations/${repo.installationId}`,
    app_id: app.id,
    app_slug: app.slug,
    target_id: owner.id,
    target_type: owner.type === 'Organization' ? 'Organization' : 'User',
    permissions,
    events: ['check_run', 'pull_request', 'push', 'workflow_run'],
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    single_file_name: null,
    suspended_by: null,
    suspended_at: null,
  };
}

export function githubTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
