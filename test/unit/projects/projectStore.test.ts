/** Projects on disk: created from a folder, hand-broken files refused by name, never dropped. */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ProjectStore } from '../../../src-main/core/projects/ProjectStore.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'metakd-proj-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function folderOfCases(names: string[]): string {
  const f = tmp();
  for (const n of names) mkdirSync(path.join(f, n));
  writeFileSync(path.join(f, 'notes.txt'), 'not a case');
  return f;
}

describe('ProjectStore', () => {
  it('creates a project with one case per sub-folder, readers de-duplicated', async () => {
    const store = new ProjectStore(tmp());
    const p = await store.create({
      name: ' Glioma study ',
      folder: folderOfCases(['b', 'a']),
      readers: ['ann', 'bob', 'ann', ' '],
    });
    expect(p.name).toBe('Glioma study');
    expect(p.cases.map((c) => c.id)).toEqual(['a', 'b']);
    expect(p.readers).toEqual(['ann', 'bob']);
    expect((await store.load(p.id)).cases).toHaveLength(2);
    expect((await store.caseRecord(p.id, 'a')).model.status).toBe('queued');
  });

  it('serialises concurrent updates of one case (none is lost)', async () => {
    const store = new ProjectStore(tmp());
    const p = await store.create({ name: 'x', folder: folderOfCases(['a']), readers: [] });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.updateCase(p.id, 'a', (c) => ({
          ...c,
          annotations: [
            ...c.annotations,
            { reader: `r${i}`, sessionId: `${i}`, origin: 'model', startedAt: '' },
          ],
        })),
      ),
    );
    expect((await store.caseRecord(p.id, 'a')).annotations).toHaveLength(20);
  });

  it('refuses a hand-broken project file by name and still lists the others', async () => {
    const data = tmp();
    const store = new ProjectStore(data);
    const good = await store.create({ name: 'good', folder: folderOfCases(['a']), readers: [] });
    const bad = await store.create({ name: 'bad', folder: folderOfCases(['a']), readers: [] });
    const file = path.join(data, 'projects', bad.id, 'project.json');
    writeFileSync(file, '{"format": "metakd-project/1", "name": ');
    await expect(store.load(bad.id)).rejects.toMatchObject({ code: 'PROJECT_INVALID', file });
    const l = await store.list();
    expect(l.projects.map((p) => p.id)).toEqual([good.id]);
    expect(l.broken).toEqual([expect.objectContaining({ id: bad.id, file })]);
  });

  it('refuses ids that would leave the data folder', () => {
    const store = new ProjectStore(tmp());
    expect(() => store.projectDir('../etc')).toThrow(/not a project id/);
    expect(() => store.caseDir('00000000-0000-0000-0000-000000000001', '../x')).toThrow(
      /not a case id/,
    );
  });

  it('a folder without case sub-folders is refused', async () => {
    const store = new ProjectStore(tmp());
    await expect(store.create({ name: 'x', folder: tmp(), readers: [] })).rejects.toThrow(
      /no case sub-folders/,
    );
  });
});
