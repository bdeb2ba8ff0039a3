// The directory tree the LDAP tests run against, shaped like a university's: students and staff under
// dc=example,dc=edu (uid = 学号 / 工号, Chinese names, phones written every which way, some accounts disabled),
// their groups, and an Active Directory-shaped branch (ou=ad). Written as one LDIF for a single slapadd.
import { createHash } from 'node:crypto';

export const BASE_DN = 'dc=example,dc=edu';
export const SERVICE_ACCOUNT = { dn: `cn=wecas-service,${BASE_DN}`, password: 'service-secret-不在日志里' };
export const GROUPS_DN = `ou=groups,${BASE_DN}`;
export const AD_BASE_DN = `ou=ad,${BASE_DN}`;
/** The seeded students and staff: every one is findable by its uid. */
export const STUDENTS = 800;
export const STAFF = 200;

/** What the OpenLDAP part marks a disabled account with (the tests' LDAP_DISABLED_FILTER). */
export const DISABLED_FILTER = '(employeeType=disabled)';

export interface SeededAccount {
  dn: string;
  login: string;
  password: string;
  displayName: string;
  /** As stored in `mobile`, in whatever form; none for some accounts. */
  mobile: string | undefined;
  /** E.164, as wecas reads `mobile`; null when it holds no mobile number. */
  phone: string | null;
  groups: string[];
  disabled: boolean;
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗'];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '霞',
  '子涵',
  '浩然',
  '雨桐',
];
const groupDn = (cn: string) => `cn=${cn},${GROUPS_DN}`;

/** The n-th generated mobile, written in one of the forms directories hold (`13800000123`, `+86 138 0000 0123` …). */
function mobileOf(n: number): { mobile: string | undefined; phone: string | null } {
  if (n % 40 === 7) return { mobile: undefined, phone: null };
  if (n % 40 === 13) return { mobile: '010-6275 1234', phone: null }; // a landline: no SMS, so no phone
  const digits = `138${String(n).padStart(8, '0')}`;
  const [a, b, c] = [digits.slice(0, 3), digits.slice(3, 7), digits.slice(7)];
  const forms = [digits, `+86 ${a} ${b} ${c}`, `+86-${a}-${b}-${c}`, `${a} ${b} ${c}`];
  return { mobile: forms[n % forms.length], phone: `+86${digits}` };
}

function student(i: number): SeededAccount {
  const login = String(2024010001 + i);
  const groups = [groupDn('students'), ...(i < 100 ? [groupDn('cs-2024')] : []), ...(i < 200 ? [groupDn('计算机学院')] : [])];
  return person(`uid=${login},ou=students,${BASE_DN}`, login, i, groups);
}

function staff(i: number): SeededAccount {
  const login = `T${String(i + 1).padStart(4, '0')}`;
  const groups = [groupDn('staff'), ...(i < 150 ? [groupDn('teachers')] : []), ...(i < 20 ? [groupDn('计算机学院')] : [])];
  return person(`uid=${login},ou=staff,${BASE_DN}`, login, STUDENTS + i, groups);
}

function person(dn: string, login: string, n: number, groups: string[]): SeededAccount {
  const displayName = SURNAMES[n % SURNAMES.length]! + GIVEN[Math.floor(n / SURNAMES.length) % GIVEN.length]!;
  return { dn, login, password: `pw-${login}`, displayName, ...mobileOf(n), groups, disabled: n % 50 === 49 };
}

const students = Array.from({ length: STUDENTS }, (_, i) => student(i));
const staffMembers = Array.from({ length: STAFF }, (_, i) => staff(i));
// The two the contract suite knows by heart, with phones in two forms.
Object.assign(students[0]!, { displayName: '张伟', mobile: '+86 138 1234 5678', phone: '+8613812345678' });
Object.assign(staffMembers[0]!, { displayName: '李娜', mobile: '13912345678', phone: '+8613912345678' });

export const OPENLDAP_ACCOUNTS: readonly SeededAccount[] = [...students, ...staffMembers];

/** An account whose login holds every filter metacharacter: escaping must find it, and only it. */
export const METACHARACTER_ACCOUNT: SeededAccount = {
  dn: `uid=a*(b)\\\\c,ou=staff,${BASE_DN}`,
  login: 'a*(b)\\c',
  password: 'pw-a*(b)\\c',
  displayName: '符号',
  mobile: undefined,
  phone: null,
  groups: [],
  disabled: false,
};

export interface AdAccount extends SeededAccount {
  userPrincipalName: string;
  userAccountControl: number;
  objectGuid: Buffer;
}

const adGroupDn = (cn: string) => `cn=${cn},ou=groups,${AD_BASE_DN}`;

function adAccount(login: string, displayName: string, userAccountControl: number, mobile: string | undefined, phone: string | null): AdAccount {
  // Chinese names only: dynlist hands memberOf back normalised (lower case), which would change `Domain Users`.
  const groups = [adGroupDn('全体教职工'), ...(login.startsWith('ad') ? [] : [adGroupDn('教务处')])];
  return {
    dn: `cn=${displayName},ou=users,${AD_BASE_DN}`,
    login,
    password: `Ad-${login}-1!`,
    displayName,
    mobile,
    phone,
    groups,
    disabled: (userAccountControl & 2) !== 0,
    userPrincipalName: `${login}@ad.example.edu`,
    userAccountControl,
    objectGuid: createHash('sha256').update(`objectGUID ${login}`).digest().subarray(0, 16),
  };
}

/** 512 normal, 66048 normal with a password that never expires, 514 and 66050 disabled (bit 2). */
export const AD_ACCOUNTS: readonly AdAccount[] = [
  adAccount('wangfang', '王芳', 512, '18612345678', '+8618612345678'),
  adAccount('liuyang', '刘洋', 66048, '+86 186 8765 4321', '+8618687654321'),
  adAccount('chenjing', '陈静', 514, '18600000003', '+8618600000003'),
  adAccount('zhaolei', '赵磊', 66050, undefined, null),
  ...Array.from({ length: 20 }, (_, i) => adAccount(`ad${String(i + 1).padStart(4, '0')}`, `测试用户${i + 1}`, 512, undefined, null)),
];

/** The whole seed as LDIF: the suffix and the service account, the branches, the people, then their groups. */
export function seedLdif(): string {
  const groups = (accounts: readonly SeededAccount[]) => {
    const byGroup = new Map<string, string[]>();
    for (const a of accounts) for (const g of a.groups) byGroup.set(g, [...(byGroup.get(g) ?? []), a.dn]);
    return [...byGroup].map(([dn, members]) => entry(dn, { objectClass: ['groupOfNames'], cn: [firstRdnValue(dn)], member: members }));
  };
  return [
    entry(BASE_DN, { objectClass: ['dcObject', 'organization'], dc: ['example'], o: ['Example University 示例大学'] }),
    entry(SERVICE_ACCOUNT.dn, {
      objectClass: ['organizationalRole', 'simpleSecurityObject'],
      cn: ['wecas-service'],
      userPassword: [ssha(SERVICE_ACCOUNT.password)],
    }),
    ...['students', 'staff', 'groups', 'ad'].map((ou) => entry(`ou=${ou},${BASE_DN}`, { objectClass: ['organizationalUnit'], ou: [ou] })),
    ...['users', 'groups'].map((ou) => entry(`ou=${ou},${AD_BASE_DN}`, { objectClass: ['organizationalUnit'], ou: [ou] })),
    ...[...OPENLDAP_ACCOUNTS, METACHARACTER_ACCOUNT].map(openLdapEntry),
    ...AD_ACCOUNTS.map(adEntry),
    ...groups(OPENLDAP_ACCOUNTS),
    ...groups(AD_ACCOUNTS),
  ].join('\n');
}

function openLdapEntry(a: SeededAccount): string {
  return entry(a.dn, {
    objectClass: ['inetOrgPerson'],
    uid: [a.login],
    cn: [a.displayName],
    sn: [a.displayName.slice(0, 1)],
    displayName: [a.displayName],
    mail: [`${a.login.toLowerCase()}@example.edu`],
    mobile: a.mobile ? [a.mobile] : [],
    employeeType: [a.login.startsWith('T') ? 'staff' : 'student', ...(a.disabled ? ['disabled'] : [])],
    departmentNumber: [a.login.startsWith('T') ? '教务处' : '计算机学院'],
    userPassword: [ssha(a.password)],
  });
}

function adEntry(a: AdAccount): string {
  return entry(a.dn, {
    objectClass: ['inetOrgPerson', 'user'],
    cn: [a.displayName],
    sn: [a.displayName.slice(0, 1)],
    displayName: [a.displayName],
    sAMAccountName: [a.login],
    userPrincipalName: [a.userPrincipalName],
    userAccountControl: [String(a.userAccountControl)],
    objectGUID: [a.objectGuid],
    mail: [`${a.login}@ad.example.edu`],
    mobile: a.mobile ? [a.mobile] : [],
    title: ['讲师'],
    userPassword: [ssha(a.password)],
  });
}

/** One LDIF record; values that are not plain ASCII go base64-encoded (`attr:: …`), as LDIF requires. */
function entry(dn: string, attributes: Record<string, Array<string | Buffer>>): string {
  const lines = [line('dn', dn)];
  for (const [name, values] of Object.entries(attributes)) for (const value of values) lines.push(line(name, value));
  return `${lines.join('\n')}\n`;
}

function line(name: string, value: string | Buffer): string {
  if (typeof value === 'string' && /^[\x21-\x39\x3b\x3d-\x7e][\x20-\x7e]*$/.test(value)) return `${name}: ${value}`;
  return `${name}:: ${Buffer.from(value).toString('base64')}`;
}

/** `{SSHA}`, as slappasswd makes it: SHA-1 of the password and a salt, then the salt. */
function ssha(password: string): string {
  const salt = createHash('sha256').update(password).digest().subarray(0, 8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

function firstRdnValue(dn: string): string {
  return dn.slice(dn.indexOf('=') + 1, dn.indexOf(','));
}
