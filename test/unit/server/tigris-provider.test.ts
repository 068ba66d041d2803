import { describe, expect, it } from 'vitest';
import { tigrisProvider, type CommandSender } from '../../../src/server/storage/tigris-provider.js';

/** Records each AWS SDK command by name with its input, and answers from a table (the real service is out of reach here). */
function recordingClient(answers: Record<string, unknown> = {}, failOn?: string) {
  const calls: [string, unknown][] = [];
  const client: CommandSender = {
    send(command: object) {
      const name = command.constructor.name;
      calls.push([name, (command as { input: unknown }).input]);
      if (name === failOn) return Promise.reject(new Error(`${name} failed`));
      return Promise.resolve(answers[name] ?? {});
    },
  };
  return { client, calls };
}

const keyAnswer = { CreateAccessKeyCommand: { AccessKey: { AccessKeyId: 'tid_abc', SecretAccessKey: 'sekret' } }, CreatePolicyCommand: { Policy: { Arn: 'arn:aws:iam::123:policy/p' } } };

describe('tigrisProvider', () => {
  it('creates a bucket with CreateBucket', async () => {
    const s3 = recordingClient();
    await tigrisProvider({ clients: { s3: s3.client, iam: recordingClient().client }, endpointUrl: 'https://fly.storage.tigris.dev', region: 'auto' }).createBucket('basic-memory-t1');
    expect(s3.calls).toEqual([['CreateBucketCommand', { Bucket: 'basic-memory-t1' }]]);
  });

  it('makes a key, a bucket-scoped policy, and attaches one to the other', async () => {
    const iam = recordingClient(keyAnswer);
    const provider = tigrisProvider({ clients: { s3: recordingClient().client, iam: iam.client }, endpointUrl: 'https://fly.storage.tigris.dev', region: 'auto' });
    expect(await provider.createScopedKey('basic-memory-t1')).toEqual({ accessKey: 'tid_abc', secretKey: 'sekret', policyRef: 'arn:aws:iam::123:policy/p' });
    expect(iam.calls.map(([name]) => name)).toEqual(['CreateAccessKeyCommand', 'CreatePolicyCommand', 'AttachUserPolicyCommand']);
    const policyInput = iam.calls[1]![1] as { PolicyName: string; PolicyDocument: string };
    expect(policyInput.PolicyName).toBe('basic-memory-basic-memory-t1-tid_abc');
    expect(JSON.parse(policyInput.PolicyDocument).Statement[0].Resource).toEqual(['arn:aws:s3:::basic-memory-t1', 'arn:aws:s3:::basic-memory-t1/*']);
    expect(iam.calls[2]![1]).toEqual({ UserName: 'tid_abc', PolicyArn: 'arn:aws:iam::123:policy/p' });
  });

  it('deletes the new key when the policy cannot be attached, and reports the failure', async () => {
    const iam = recordingClient(keyAnswer, 'AttachUserPolicyCommand');
    const provider = tigrisProvider({ clients: { s3: recordingClient().client, iam: iam.client }, endpointUrl: 'x', region: 'auto' });
    await expect(provider.createScopedKey('b')).rejects.toThrow('AttachUserPolicyCommand failed');
    expect(iam.calls.at(-1)).toEqual(['DeleteAccessKeyCommand', { AccessKeyId: 'tid_abc', UserName: 'tid_abc' }]);
  });

  it('revokes by detaching the policy, deleting the key, then the policy', async () => {
    const iam = recordingClient();
    await tigrisProvider({ clients: { s3: recordingClient().client, iam: iam.client }, endpointUrl: 'x', region: 'auto' }).revokeKey('tid_abc', 'arn:p');
    expect(iam.calls).toEqual([
      ['DetachUserPolicyCommand', { UserName: 'tid_abc', PolicyArn: 'arn:p' }],
      ['DeleteAccessKeyCommand', { AccessKeyId: 'tid_abc', UserName: 'tid_abc' }],
      ['DeletePolicyCommand', { PolicyArn: 'arn:p' }],
    ]);
  });
});
