/**
 * Reconfig is for super users only (Apache and zkts alike). Members get a super digest in
 * zoo.cfg (`DigestAuthenticationProvider.superDigest`: Apache sets it as the system property
 * `zookeeper.DigestAuthenticationProvider.superDigest`, zkts reads it directly) and the operator
 * authenticates with the password (`--zk-auth`).
 */
import { createHash } from 'node:crypto';

export const SUPER_PASSWORD = 'e2e-secret';

/** `super:base64(sha1("super:<password>"))`, as DigestAuthenticationProvider computes it. */
export const superDigest = `super:${createHash('sha1').update(`super:${SUPER_PASSWORD}`).digest('base64')}`;

/** The ensemble spec's config.additional entry that makes the super user. */
export const superUserConfig = { 'DigestAuthenticationProvider.superDigest': superDigest };

/** The operator's flags to authenticate as it. */
export const superUserFlags = ['--zk-auth', `digest:super:${SUPER_PASSWORD}`];
