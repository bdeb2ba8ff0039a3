// Password hashes with their passwords, as existing user tables hold them: published vectors where the format has
// them, the others computed independently with Python's hashlib (OpenSSL). Shared by the hash unit tests and the
// sql directory's tests, which read each one through a table.
import type { HashFormat } from '../../src/directories/password-hashes.js';

export interface HashVector {
  format: HashFormat;
  hash: string;
  password: string;
  /** Where it comes from. */
  source: string;
}

export const VECTORS: HashVector[] = [
  {
    format: 'bcrypt',
    hash: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
    password: 'U*U',
    source: 'Openwall crypt_blowfish tests',
  },
  {
    format: 'bcrypt',
    hash: '$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a',
    password: 'U*U*U',
    source: 'Openwall crypt_blowfish tests',
  },
  { format: 'bcrypt', hash: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy', password: '', source: 'Openwall crypt_blowfish tests' },
  // $2b$ and $2y$ name the same computation for passwords like these (they fixed bugs of other implementations).
  { format: 'bcrypt', hash: '$2b$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK', password: 'U*U*', source: 'Openwall, as $2b$' },
  {
    format: 'bcrypt',
    hash: '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a',
    password: 'rasmuslerdorf',
    source: "PHP manual's password_verify",
  },
  {
    format: 'argon2id',
    hash: '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
    password: 'password',
    source: 'phc-winner-argon2 src/test.c',
  },
  {
    format: 'argon2i',
    hash: '$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG',
    password: 'password',
    source: 'phc-winner-argon2 README',
  },
  {
    format: 'pbkdf2-sha256',
    hash: '$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ',
    password: 'password',
    source: "passlib's test_handlers",
  },
  {
    format: 'pbkdf2-sha256',
    hash: '$pbkdf2-sha256$1212$3SABFJGDtyhrQMVt1uABPw$WyaUoqCLgvz97s523nF4iuOqZNbp5Nt8do/cuaa7AiI',
    password: 'Ιωαννης',
    source: "passlib's test_handlers (UTF-8)",
  },
  {
    format: 'pbkdf2-sha256',
    hash: 'pbkdf2_sha256$1000$seasalt$JgZryXe2Ga8ysg6XbzkLpTdyPQrHqsinbL9BnnhgX4A=',
    password: 'lètmein',
    source: 'hashlib, Django form',
  },
  {
    format: 'pbkdf2-sha256',
    hash: '$pbkdf2-sha256$i=10000,l=32$AAECAwQFBgcICQoLDA0ODw$OASW+8cj5NzAMtQk1H40oif3kEFjlquo/DMxMyH5Uno',
    password: '密码123',
    source: 'hashlib, PHC form',
  },
  {
    format: 'scrypt',
    hash: '$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$nfkj3u1fRTHCea.fVr03sWV770kp5wLOLoEakziKhqE',
    password: 'correct horse',
    source: 'hashlib, passlib form',
  },
  {
    format: 'scrypt',
    hash: '$scrypt$ln=10,p=1,r=8$6DKLnvUYEeXWh3JNOd3iwg==$kSrhdHaRbZ7R74q3lGBqO1xetgxRxhmWzYJ2Qvfm7JM=',
    password: 'secret',
    source: "PowerDNS dnsdist's tests (padded, parameters in another order)",
  },
  { format: 'ldap-salted-sha', hash: '{SSHA}uJDd0BIdJ9Z7yDCZNWdgYeb33+cBAgME', password: 'secret', source: 'hashlib, 4-byte salt as slappasswd' },
  { format: 'ldap-salted-sha', hash: '{SSHA256}IserxXNXvY1m0XQMFFUMWopeQKh5L2MZU7shWN7eqMFzYWx0c2FsdA==', password: '口令', source: 'hashlib' },
  {
    format: 'ldap-salted-sha',
    hash: '{ssha512}aCu7JRc+kLsuEmFs1zTY+AiP7DSGnjjG+dH28Dp+E5usqoAixeTPihKqZmkWal4mUfp63tqvCAkFV1LKTDFH6XNhbHRzYWx0',
    password: 'secret',
    source: 'hashlib, scheme in lower case',
  },
];

export const LEGACY: HashVector[] = [
  { format: 'ldap-unsalted', hash: '{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', password: 'password', source: 'hashlib' },
  { format: 'md5-hex', hash: '5f4dcc3b5aa765d61d8327deb882cf99', password: 'password', source: 'hashlib' },
  { format: 'sha1-hex', hash: '5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8', password: 'password', source: 'hashlib, upper case' },
];

/** The first vector of each format: enough to read every format through a table. */
export const ONE_PER_FORMAT: HashVector[] = VECTORS.filter((v, i) => VECTORS.findIndex((w) => w.format === v.format) === i);
