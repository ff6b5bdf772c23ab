import { Attribute } from 'ldapts';
import { adminClient, createOu, removeEntries } from './src/testing/dev-domain.ts';
const admin = await adminClient();
const ou = await createOu(admin);
const clients = await Promise.all(Array.from({ length: 8 }, () => adminClient()));
const t0 = performance.now();
const dns: string[] = [];
const N = 200;
let next = 0;
const stamp = Date.now() % 100000;
await Promise.all(clients.map(async (c) => {
  while (next < N) {
    const i = next++;
    const dn = `CN=b${i},${ou}`;
    await c.add(dn, [
      new Attribute({ type: 'objectClass', values: ['user'] }),
      new Attribute({ type: 'sAMAccountName', values: [`bp${stamp}x${i}`] }),
      new Attribute({ type: 'mail', values: [`b${i}@latchkey.test`] }),
      new Attribute({ type: 'userAccountControl', values: ['544'] }),
      new Attribute({ type: 'pwdLastSet', values: ['-1'] }),
    ]);
    dns.push(dn);
  }
}));
console.log(`${N} adds, 8 at once: ms`, performance.now() - t0);
const t1 = performance.now();
const { searchEntries } = await admin.search(ou, { scope: 'sub', filter: '(objectClass=user)', attributes: ['msDS-UserPasswordExpiryTimeComputed'], paged: { pageSize: 500 } });
console.log('search', searchEntries.length, performance.now() - t1);
const t2 = performance.now();
await admin.del(ou, [{ type: '1.2.840.113556.1.4.805', critical: true } as never]).catch((e) => console.log('tree delete', e.message));
console.log('tree delete ms', performance.now() - t2);
await removeEntries(admin, [...dns, ou]);
for (const c of clients) await c.unbind();
await admin.unbind();
