// The simulated WeChat users ("personas") a person can scan as, and the regions they live in.
import { newAvatarKey, newPersonaId } from './ids.js';

/** WeChat's `sex`: 1 male, 2 female, 0 unknown. */
export type Sex = 0 | 1 | 2;

/** The three `lang` values `sns/userinfo` accepts. */
export type UserinfoLang = 'zh_CN' | 'zh_TW' | 'en';

export type LocalisedText = Readonly<Record<UserinfoLang, string>>;

export interface Region {
  id: string;
  province: LocalisedText;
  city: LocalisedText;
  country: LocalisedText;
}

// Old (pre-2021) samples show Chinese names for zh_CN and the ISO code `CN` for en; unverified for zh_TW.
const CHINA: LocalisedText = { zh_CN: '中国', zh_TW: '中國', en: 'CN' };

export const REGIONS: readonly Region[] = [
  {
    id: 'gd-shenzhen',
    country: CHINA,
    province: { zh_CN: '广东', zh_TW: '廣東', en: 'Guangdong' },
    city: { zh_CN: '深圳', zh_TW: '深圳', en: 'Shenzhen' },
  },
  {
    id: 'zj-hangzhou',
    country: CHINA,
    province: { zh_CN: '浙江', zh_TW: '浙江', en: 'Zhejiang' },
    city: { zh_CN: '杭州', zh_TW: '杭州', en: 'Hangzhou' },
  },
  {
    id: 'sh-pudong',
    country: CHINA,
    province: { zh_CN: '上海', zh_TW: '上海', en: 'Shanghai' },
    city: { zh_CN: '浦东新区', zh_TW: '浦東新區', en: 'Pudong New District' },
  },
  {
    id: 'bj-chaoyang',
    country: CHINA,
    province: { zh_CN: '北京', zh_TW: '北京', en: 'Beijing' },
    city: { zh_CN: '朝阳', zh_TW: '朝陽', en: 'Chaoyang' },
  },
];

export function findRegion(id: string | null): Region | undefined {
  return REGIONS.find((r) => r.id === id);
}

export interface Persona {
  id: string;
  nickname: string;
  sex: Sex;
  regionId: string | null;
  /** Names the current avatar image; a new key makes old `headimgurl`s stop working. Null: no avatar. */
  avatarKey: string | null;
}

export interface NewPersona {
  nickname: string;
  sex?: Sex;
  regionId?: string | null;
  hasAvatar?: boolean;
}

// Fixed ids and avatar keys so openids, unionids and avatar URLs survive emulator restarts
// (wecas's development database keeps identities between runs).
const SEEDED: readonly Persona[] = [
  { id: 'zhangwei', nickname: '张伟', sex: 1, regionId: 'gd-shenzhen', avatarKey: 'seed-zhangwei' },
  { id: 'lina', nickname: '李娜', sex: 2, regionId: 'zj-hangzhou', avatarKey: 'seed-lina' },
  { id: 'alice', nickname: 'Alice 王🌸', sex: 2, regionId: 'sh-pudong', avatarKey: 'seed-alice' },
  { id: 'xiaoming', nickname: '小明', sex: 0, regionId: null, avatarKey: null },
];

/** The persona the test-control API uses when no persona is named. */
export const DEFAULT_PERSONA_ID = 'zhangwei';

export class PersonaDirectory {
  readonly #personas = new Map<string, Persona>();

  constructor() {
    this.reset();
  }

  reset(): void {
    this.#personas.clear();
    for (const p of SEEDED) this.#personas.set(p.id, { ...p });
  }

  list(): Persona[] {
    return [...this.#personas.values()];
  }

  get(id: string): Persona | undefined {
    return this.#personas.get(id);
  }

  create(input: NewPersona): Persona {
    const nickname = input.nickname.trim();
    if (nickname === '') throw new RangeError('a persona needs a nickname');
    if (input.regionId != null && !findRegion(input.regionId)) throw new RangeError(`unknown region ${input.regionId}`);
    const persona: Persona = {
      id: newPersonaId(),
      nickname,
      sex: input.sex ?? 0,
      regionId: input.regionId ?? null,
      avatarKey: input.hasAvatar === false ? null : newAvatarKey(),
    };
    this.#personas.set(persona.id, persona);
    return persona;
  }

  /** As when the person sets a new profile photo: the old headimgurl dies (docs/wechat-open-platform.md §5.5). */
  changeAvatar(id: string): Persona | undefined {
    const persona = this.#personas.get(id);
    if (persona) persona.avatarKey = newAvatarKey();
    return persona;
  }

  findByAvatarKey(key: string): Persona | undefined {
    return this.list().find((p) => p.avatarKey === key);
  }
}
