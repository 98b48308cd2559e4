import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../src/errors.ts';
import { importOptional } from '../src/optional-package.ts';

// The optional engines: absent, one line naming what needs them and the install command; any other
// failure of an installed package is not disguised as "not installed".

// Variable specifiers: the packages do not exist, for the type-checker either.
const absent = 'no-such-package-xyz';
const absentScoped = '@no-such/scope-xyz';

test('a package that is not installed: one line with what needs it and how to add it', async () => {
  const what = { packages: ['no-such-package-xyz', '@no-such/scope-xyz'], neededFor: 'embedder "x"' };
  await assert.rejects(
    importOptional(what, () => Promise.all([import(absent), import(absentScoped)])),
    (e: unknown) => e instanceof UserError && e.message === 'embedder "x" needs no-such-package-xyz and @no-such/scope-xyz, which are not installed; add them with: npm install no-such-package-xyz @no-such/scope-xyz',
  );
  const one = { packages: ['no-such-package-xyz'], neededFor: 'router type y' };
  await assert.rejects(importOptional(one, () => Promise.all([import(absent)])), { message: 'router type y needs no-such-package-xyz, which is not installed; add it with: npm install no-such-package-xyz' });
});

test('an installed package that fails to load is reported as it is', async () => {
  const broken = new Error("Cannot find module '/x/node_modules/zod/missing.js' imported from /x/node_modules/zod/index.js");
  Object.assign(broken, { code: 'ERR_MODULE_NOT_FOUND' });
  await assert.rejects(importOptional({ packages: ['zod'], neededFor: 'z' }, () => Promise.reject(broken)), (e: unknown) => e === broken);
  const loaded = await importOptional({ packages: ['zod'], neededFor: 'z' }, () => Promise.all([import('zod')]));
  assert.equal(typeof loaded[0]!.z.object, 'function');
});
