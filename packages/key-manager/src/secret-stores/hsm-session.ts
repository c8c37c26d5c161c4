import { randomBytes } from "node:crypto";
import pkcs11js from "pkcs11js";

/** How to reach the token that holds the master keys. */
export interface HsmSettings {
  /** PKCS#11 module, such as SoftHSM2's `/usr/lib/softhsm/libsofthsm2.so`. */
  libraryPath: string;
  /** Label of the token; empty uses `slotId`. */
  tokenLabel: string;
  slotId: number;
  /** User PIN. */
  pin: string;
}

/** A key object inside the token or session. */
export type KeyHandle = Buffer;

const AES_KEY_BYTES = 32;
const GCM_IV_BYTES = 12;
const GCM_TAG_BITS = 128;

/**
 * One logged-in read-write session on a PKCS#11 token, with the operations the PKCS#11 store and
 * the `manage hsm` commands need. Every call is a single synchronous Cryptoki call (or an init
 * and its single-part call), so two requests never interleave on the session.
 */
export class HsmSession {
  readonly #module: pkcs11js.PKCS11;
  readonly #session: KeyHandle;
  readonly #libraryPath: string;
  #closed = false;

  private constructor(module: pkcs11js.PKCS11, session: KeyHandle, libraryPath: string) {
    this.#module = module;
    this.#session = session;
    this.#libraryPath = libraryPath;
  }

  /** Loads the module, finds the token, opens a read-write session and logs in as the user. */
  static open(settings: HsmSettings): HsmSession {
    const module = acquireModule(settings.libraryPath);
    try {
      const slot = findSlot(module, settings);
      const session = module.C_OpenSession(
        slot,
        pkcs11js.CKF_RW_SESSION | pkcs11js.CKF_SERIAL_SESSION,
      );
      try {
        module.C_Login(session, pkcs11js.CKU_USER, settings.pin);
      } catch (error) {
        // Another session of this process already logged the token in; login is per token.
        if (!isAlreadyLoggedIn(error)) {
          module.C_CloseSession(session);
          throw error;
        }
      }
      return new HsmSession(module, session, settings.libraryPath);
    } catch (error) {
      releaseModule(settings.libraryPath);
      throw error;
    }
  }

  /** Returns the secret key with this label and class among the token's objects, or undefined. */
  findKey(label: string, keyType: "aes" | "hmac"): KeyHandle | undefined {
    const template: pkcs11js.Template = [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_TOKEN, value: true },
      {
        type: pkcs11js.CKA_KEY_TYPE,
        value: keyType === "aes" ? pkcs11js.CKK_AES : pkcs11js.CKK_GENERIC_SECRET,
      },
    ];
    this.#module.C_FindObjectsInit(this.#session, template);
    try {
      const found = this.#module.C_FindObjects(this.#session, 2);
      if (found.length > 1) {
        throw new Error(`the token has several ${keyType} keys labelled "${label}"`);
      }
      return found[0];
    } finally {
      this.#module.C_FindObjectsFinal(this.#session);
    }
  }

  /**
   * Generates a master key-encryption key in the token: AES, persistent, sensitive and not
   * extractable, usable only to wrap and unwrap other keys.
   */
  generateMasterKey(label: string, lengthBytes: number): KeyHandle {
    return this.#module.C_GenerateKey(this.#session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_VALUE_LEN, value: lengthBytes },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_WRAP, value: true },
      { type: pkcs11js.CKA_UNWRAP, value: true },
      { type: pkcs11js.CKA_ENCRYPT, value: false },
      { type: pkcs11js.CKA_DECRYPT, value: false },
    ]);
  }

  /** Generates a persistent, non-extractable HMAC-SHA256 key in the token. */
  generateHmacKey(label: string, lengthBytes: number): KeyHandle {
    return this.#module.C_GenerateKey(
      this.#session,
      { mechanism: pkcs11js.CKM_GENERIC_SECRET_KEY_GEN },
      [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_VALUE_LEN, value: lengthBytes },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_SIGN, value: true },
        { type: pkcs11js.CKA_VERIFY, value: true },
      ],
    );
  }

  /**
   * Generates a project key inside the session and returns it wrapped by the master key with
   * AES key wrap with padding (RFC 5649), without the plain key ever leaving the HSM.
   */
  generateWrappedProjectKey(masterKey: KeyHandle): Buffer {
    const key = this.#module.C_GenerateKey(this.#session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_VALUE_LEN, value: AES_KEY_BYTES },
      { type: pkcs11js.CKA_TOKEN, value: false },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: true },
      { type: pkcs11js.CKA_ENCRYPT, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: true },
    ]);
    try {
      return this.wrap(masterKey, key);
    } finally {
      this.destroy(key);
    }
  }

  /** Wraps an extractable key with the master key (CKM_AES_KEY_WRAP_PAD). */
  wrap(masterKey: KeyHandle, key: KeyHandle): Buffer {
    return this.#module.C_WrapKey(
      this.#session,
      { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD },
      masterKey,
      key,
      Buffer.alloc(AES_KEY_BYTES + 16),
    );
  }

  /** Unwraps a project key into a session object that can encrypt and decrypt. */
  unwrapProjectKey(masterKey: KeyHandle, wrapped: Buffer): KeyHandle {
    return this.#module.C_UnwrapKey(
      this.#session,
      { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD },
      masterKey,
      wrapped,
      [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_TOKEN, value: false },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: true },
        { type: pkcs11js.CKA_ENCRYPT, value: true },
        { type: pkcs11js.CKA_DECRYPT, value: true },
      ],
    );
  }

  /** Returns HMAC-SHA256 of `data` under the HMAC key. */
  sign(hmacKey: KeyHandle, data: Buffer): Buffer {
    this.#module.C_SignInit(this.#session, { mechanism: pkcs11js.CKM_SHA256_HMAC }, hmacKey);
    return this.#module.C_Sign(this.#session, data, Buffer.alloc(32));
  }

  /** Encrypts with AES-GCM under a fresh random IV; returns IV followed by ciphertext and tag. */
  encrypt(key: KeyHandle, plaintext: Buffer, associatedData: string): Buffer {
    const iv = randomBytes(GCM_IV_BYTES);
    this.#module.C_EncryptInit(this.#session, gcm(iv, associatedData), key);
    const sealed = this.#module.C_Encrypt(
      this.#session,
      plaintext,
      Buffer.alloc(plaintext.length + GCM_TAG_BITS / 8),
    );
    return Buffer.concat([iv, sealed]);
  }

  /** Decrypts a record made by `encrypt`; throws when any byte or the associated data differs. */
  decrypt(key: KeyHandle, record: Buffer, associatedData: string): Buffer {
    if (record.length < GCM_IV_BYTES + GCM_TAG_BITS / 8) {
      throw new Error("encrypted record is shorter than its IV and tag");
    }
    const iv = record.subarray(0, GCM_IV_BYTES);
    this.#module.C_DecryptInit(this.#session, gcm(iv, associatedData), key);
    return this.#module.C_Decrypt(
      this.#session,
      record.subarray(GCM_IV_BYTES),
      Buffer.alloc(record.length),
    );
  }

  /** Destroys a session object, such as an unwrapped project key. */
  destroy(key: KeyHandle): void {
    this.#module.C_DestroyObject(this.#session, key);
  }

  /** Closes the session, and finalises the module once no session of it is left. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    try {
      this.#module.C_CloseSession(this.#session);
    } finally {
      releaseModule(this.#libraryPath);
    }
  }
}

/**
 * Loaded modules by library path. Cryptoki allows one C_Initialize per process, so sessions of
 * one library share a module, finalised when its last session closes.
 */
const modules = new Map<string, { module: pkcs11js.PKCS11; sessions: number }>();

function acquireModule(libraryPath: string): pkcs11js.PKCS11 {
  const loaded = modules.get(libraryPath);
  if (loaded !== undefined) {
    loaded.sessions += 1;
    return loaded.module;
  }
  const module = new pkcs11js.PKCS11();
  module.load(libraryPath);
  module.C_Initialize();
  modules.set(libraryPath, { module, sessions: 1 });
  return module;
}

function releaseModule(libraryPath: string): void {
  const loaded = modules.get(libraryPath);
  if (loaded === undefined) {
    return;
  }
  loaded.sessions -= 1;
  if (loaded.sessions === 0) {
    modules.delete(libraryPath);
    loaded.module.C_Finalize();
  }
}

function isAlreadyLoggedIn(error: unknown): boolean {
  return error instanceof Error && error.message.includes("CKR_USER_ALREADY_LOGGED_IN");
}

function gcm(iv: Buffer, associatedData: string): pkcs11js.Mechanism {
  const parameter: pkcs11js.GcmParams = {
    type: pkcs11js.CK_PARAMS_GCM,
    iv,
    ivBits: iv.length * 8,
    aad: Buffer.from(associatedData, "utf8"),
    tagBits: GCM_TAG_BITS,
  };
  return { mechanism: pkcs11js.CKM_AES_GCM, parameter };
}

function findSlot(module: pkcs11js.PKCS11, settings: HsmSettings): KeyHandle {
  const slots = module.C_GetSlotList(true);
  if (settings.tokenLabel === "") {
    const slot = slots.find((candidate) => slotNumber(candidate) === settings.slotId);
    if (slot === undefined) {
      throw new Error(`no token is present in PKCS#11 slot ${settings.slotId}`);
    }
    return slot;
  }
  const slot = slots.find(
    (candidate) => module.C_GetTokenInfo(candidate).label.trim() === settings.tokenLabel,
  );
  if (slot === undefined) {
    throw new Error(`no PKCS#11 token is labelled "${settings.tokenLabel}"`);
  }
  return slot;
}

/** Reads a slot handle (a CK_ULONG in host byte order) as a number. */
function slotNumber(handle: KeyHandle): number {
  return Number(handle.length === 8 ? handle.readBigUInt64LE(0) : handle.readUInt32LE(0));
}
