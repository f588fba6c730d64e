// Which format a next-edit model file gets: the `alembic.nextEdit.format` setting when it names
// one, otherwise what the file's metadata says (families.ts). The GGUF header is read with the
// same bounded reader as the pre-check, so a hostile file costs milliseconds, not a crash.
import { basename } from 'node:path';
import { metadataString, readGgufHeader } from '../gguf/ggufReader';
import { detectNextEditFamily, isNextEditFamily, type FamilyDetection, type ModelIdentity } from './families';

export type NextEditFormatSetting = 'auto' | 'sweep' | 'zeta' | 'instinct';

export async function readModelIdentity(path: string): Promise<ModelIdentity> {
  const header = await readGgufHeader(path);
  const meta = header.metadata;
  return {
    name: metadataString(meta.get('general.name')) ?? null,
    basename: metadataString(meta.get('general.basename')) ?? null,
    fileName: basename(path),
    chatTemplate: metadataString(meta.get('tokenizer.chat_template')) ?? null,
  };
}

export async function resolveNextEditFamily(path: string, setting: NextEditFormatSetting): Promise<FamilyDetection> {
  if (setting !== 'auto' && isNextEditFamily(setting))
    return { family: setting, reason: 'the alembic.nextEdit.format setting' };
  try {
    return detectNextEditFamily(await readModelIdentity(path));
  } catch (e) {
    return {
      family: undefined,
      reason: `its header could not be read (${e instanceof Error ? e.message : String(e)})`,
    };
  }
}
