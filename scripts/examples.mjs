#!/usr/bin/env node
// Turns each example repository tree, examples/repos/<name>/, into a bare Git
// repository <destDir>/<name>.git with a few commits of history by different
// authors, ready for `git daemon --base-path=<destDir> --export-all`.
//
//   node scripts/examples.mjs .mooring/git
//
// Idempotent: commits have fixed authors and dates, so the same tree always
// gives the same commits. A repository that already holds that history is
// left alone (keeping any commits pushed to it since); one that does not is
// rebuilt. Plain Node and the git CLI only.
//
// An example with its own catalog-info.yaml (shipping) is registered in the
// catalog from its repository: it is kept as a working tree the catalog
// reads as a file, which every push updates (receive.denyCurrentBranch
// updateInstead), so what is pushed to it reaches the catalog. The others
// are bare repositories; all of them accept pushes (git daemon
// --enable=receive-pack).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const examplesDir = path.join(root, 'examples', 'repos');

const AUTHORS = [
  { name: 'Ada Lovelace', email: 'ada@example.com' },
  { name: 'Grace Hopper', email: 'grace@example.com' },
  { name: 'Linus Example', email: 'linus@example.com' },
];
// 2026-01-05T09:00:00Z, then one commit a day.
const FIRST_COMMIT_SECONDS = 1767603600;

function usage(message) {
  if (message) process.stderr.write(`examples: ${message}\n`);
  process.stderr.write('usage: node scripts/examples.mjs <destDir>\n');
  process.exit(2);
}

function git(cwd, args, env = {}) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // Commits must not depend on the user's git configuration.
      GIT_CONFIG_GLOBAL: os.devNull,
      GIT_CONFIG_NOSYSTEM: '1',
      ...env,
    },
  }).trim();
}

/** Every file under dir, relative and sorted, so commits are reproducible. */
function listFiles(dir, prefix = '') {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory())
      out.push(...listFiles(path.join(dir, entry.name), rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

/**
 * The history of one example: the files grouped by folder and added in a few
 * commits, each by the next author, the last commit completing the tree.
 */
function planCommits(name, files) {
  const byFolder = new Map();
  for (const file of files) {
    const folder = file.includes('/')
      ? file.slice(0, file.lastIndexOf('/'))
      : '.';
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), file]);
  }
  let groups = [...byFolder.entries()];
  if (groups.length === 1) {
    // One folder: the namespace first, then the workload, then the rest.
    const [folder, all] = groups[0];
    const first = all.filter(f => /namespace/.test(f));
    const second = all.filter(f => /deployment/.test(f));
    const rest = all.filter(f => !first.includes(f) && !second.includes(f));
    groups = [
      [folder, first],
      [folder, second],
      [folder, rest],
    ].filter(([, fs]) => fs.length > 0);
  }
  return groups.map(([folder, groupFiles], i) => ({
    files: groupFiles,
    author: AUTHORS[i % AUTHORS.length],
    seconds: FIRST_COMMIT_SECONDS + i * 86400,
    message:
      i === 0
        ? `Add ${name}: ${describe(folder, groupFiles)}`
        : `${name}: add ${describe(folder, groupFiles)}`,
  }));
}

function describe(folder, files) {
  const names = files.map(f => path.basename(f, path.extname(f)));
  return folder === '.' ? names.join(', ') : `${folder} (${names.join(', ')})`;
}

function build(name, srcDir, work) {
  const repo = path.join(work, name);
  fs.mkdirSync(repo, { recursive: true });
  git(repo, ['init', '--quiet', '--initial-branch=main']);
  for (const commit of planCommits(name, listFiles(srcDir))) {
    for (const file of commit.files) {
      const to = path.join(repo, file);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(path.join(srcDir, file), to);
    }
    git(repo, ['add', '--all']);
    const date = `${commit.seconds} +0000`;
    git(repo, ['commit', '--quiet', '--no-gpg-sign', '-m', commit.message], {
      GIT_AUTHOR_NAME: commit.author.name,
      GIT_AUTHOR_EMAIL: commit.author.email,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_NAME: commit.author.name,
      GIT_COMMITTER_EMAIL: commit.author.email,
      GIT_COMMITTER_DATE: date,
    });
  }
  return { repo, head: git(repo, ['rev-parse', 'HEAD']) };
}

/** The git folder of a served repository: the repository itself, or its .git. */
function gitDir(served, workingTree) {
  return workingTree ? path.join(served, '.git') : served;
}

function holdsCommit(served, workingTree, sha) {
  if (!fs.existsSync(path.join(gitDir(served, workingTree), 'HEAD')))
    return false;
  try {
    git(served, ['cat-file', '-e', `${sha}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

function main() {
  const [destArg] = process.argv.slice(2);
  if (!destArg) usage('no destination folder given');
  if (!fs.existsSync(examplesDir)) usage(`no examples at ${examplesDir}`);
  const dest = path.resolve(destArg);
  fs.mkdirSync(dest, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-examples-'));
  try {
    const names = fs
      .readdirSync(examplesDir, { withFileTypes: true })
      .filter(e => e.isDirectory())
      .map(e => e.name)
      .sort();
    for (const name of names) {
      const srcDir = path.join(examplesDir, name);
      const { repo, head } = build(name, srcDir, work);
      const served = path.join(dest, `${name}.git`);
      const workingTree = fs.existsSync(path.join(srcDir, 'catalog-info.yaml'));
      if (holdsCommit(served, workingTree, head)) {
        process.stdout.write(
          `${name}.git is up to date (${head.slice(0, 7)})\n`,
        );
        continue;
      }
      fs.rmSync(served, { recursive: true, force: true });
      if (workingTree) {
        git(work, ['clone', '--quiet', repo, served]);
        git(served, ['config', 'receive.denyCurrentBranch', 'updateInstead']);
        git(served, ['remote', 'remove', 'origin']);
      } else {
        git(work, ['clone', '--quiet', '--bare', repo, served]);
      }
      // Served by git daemon; clones need no extra setup.
      fs.writeFileSync(
        path.join(gitDir(served, workingTree), 'git-daemon-export-ok'),
        '',
      );
      process.stdout.write(`${name}.git created (${head.slice(0, 7)})\n`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
