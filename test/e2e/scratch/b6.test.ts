import { it } from 'vitest';
import { useServer } from '../bisync/helpers.js';
const { newPair } = useServer();
it('b6', async () => {
  const pair = await newPair();
  await pair.writeLocal('x.md', 'x\n');
  console.log('R0', (await pair.bisync()).stderr);
  const nfc = 'café.md'.normalize('NFC');
  const nfd = 'café.md'.normalize('NFD');
  await pair.writeLocal(nfc, 'local nfc\n');
  await pair.writeCloud(nfd, 'cloud nfd\n');
  for (let i = 1; i <= 3; i++) {
    const r = await pair.bisync('--verbose');
    console.log(`R${i}`, r.exitCode, r.stderr.split('\n').filter((l) => /caf|WARN|ERROR|conflict|kept|Synced|Baseline|✓|✗/.test(l)).join('\n'));
  }
  console.log('LOCAL', JSON.stringify(await pair.localFiles()), 'CLOUD', JSON.stringify(await pair.cloudFiles()));
});
