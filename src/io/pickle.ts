// A restricted unpickler for the data.pkl of a torch.save archive. It executes nothing: every
// global is a name (PyGlobal), and a call (REDUCE, NEWOBJ) of a global builds a value only for the
// few that make a tensor container (tensor rebuild functions, collections.OrderedDict). Any other
// call gives a Refused value carrying the reason, so that one bad entry of a dict does not stop
// the others from loading. Storages come from persistent ids, through a callback.

export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A value the unpickler would not build, and why (for example an unknown global called). */
export class Refused {
  constructor(readonly reason: string) {}
}

export class PyDict {
  readonly entries: Array<[PyAny, PyAny]> = [];
  set(key: PyAny, value: PyAny): void {
    const at = this.entries.findIndex(([k]) => k === key);
    if (at >= 0) this.entries[at][1] = value;
    else this.entries.push([key, value]);
  }
}
export class PyList {
  constructor(readonly items: PyAny[] = []) {}
}
export class PyTuple {
  constructor(readonly items: PyAny[]) {}
}
export class PyBytes {
  constructor(readonly bytes: Uint8Array) {}
}

/** A storage as its persistent id names it: ('storage', <type global>, key, location, numel). */
export interface StorageRef {
  kind: 'storage';
  type: string;
  key: string;
  location: string;
  numel: number;
}

/** A strided view of a storage. */
export interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}

export type PyAny = null | boolean | number | bigint | string | PyGlobal | Refused | PyDict | PyList | PyTuple | PyBytes | StorageRef | TensorRef | Set<PyAny>;

export class PickleError extends Error {}

const MARK = Symbol('mark');
type StackItem = PyAny | typeof MARK;

const REBUILD_TENSOR = new Set(['torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor']);
const REBUILD_PARAMETER = new Set(['torch._utils._rebuild_parameter', 'torch._utils._rebuild_parameter_with_state']);
const PLAIN_TENSOR_TYPES = new Set(['torch.Tensor', 'torch._tensor.Tensor', 'torch.nn.parameter.Parameter', 'torch.nn.Parameter']);
const KNOWN_UNSUPPORTED: Record<string, string> = {
  'torch._utils._rebuild_qtensor': 'a quantized tensor is not supported',
  'torch._utils._rebuild_sparse_tensor': 'a sparse tensor is not supported',
  'torch._utils._rebuild_sparse_csr': 'a sparse tensor is not supported',
  'torch._utils._rebuild_nested_tensor': 'a nested tensor is not supported',
  'torch._utils._rebuild_meta_tensor_no_storage': 'a meta tensor has no data',
  'torch._utils._rebuild_device_tensor_from_numpy': 'a tensor saved from a device through numpy is not supported',
  'torch._utils._rebuild_wrapper_subclass': 'a tensor subclass is not supported',
  'torch._utils._rebuild_mkldnn_tensor': 'an MKL-DNN tensor is not supported',
};

function isTensor(v: PyAny): v is TensorRef {
  return typeof v === 'object' && v !== null && (v as TensorRef).kind === 'tensor';
}
function isStorage(v: PyAny): v is StorageRef {
  return typeof v === 'object' && v !== null && (v as StorageRef).kind === 'storage';
}
function ints(v: PyAny): number[] | null {
  const items = v instanceof PyTuple || v instanceof PyList ? v.items : null;
  if (!items || !items.every((n) => typeof n === 'number' && Number.isSafeInteger(n))) return null;
  return items as number[];
}
function refusedIn(args: PyAny[]): Refused | undefined {
  return args.find((a): a is Refused => a instanceof Refused);
}

/** What a call of `fn` with `args` gives, without executing anything. */
function call(fn: PyAny, args: PyAny[]): PyAny {
  if (fn instanceof Refused) return fn;
  if (!(fn instanceof PyGlobal)) return new Refused('a call of something that is not a known function');
  const name = fn.qualified;
  if (REBUILD_TENSOR.has(name)) {
    const refused = refusedIn(args);
    if (refused) return refused;
    const [storage, offset] = args;
    const size = ints(args[2]);
    const stride = ints(args[3]);
    if (!isStorage(storage) || typeof offset !== 'number' || !size || !stride) return new Refused(`${fn.name} with arguments that do not make a tensor`);
    return { kind: 'tensor', storage, offset, size, stride };
  }
  if (REBUILD_PARAMETER.has(name)) {
    const refused = refusedIn(args);
    if (refused) return refused;
    return isTensor(args[0]) ? args[0] : new Refused('a parameter without tensor data');
  }
  if (name === 'torch._tensor._rebuild_from_type_v2' || name === 'torch._tensor._rebuild_from_type') {
    const [func, type, inner] = args;
    if (type instanceof PyGlobal && !PLAIN_TENSOR_TYPES.has(type.qualified)) return new Refused(`tensor subclass '${type.qualified}' is not supported`);
    if (!(inner instanceof PyTuple)) return new Refused(`${fn.name} with arguments that do not make a tensor`);
    return call(func, inner.items);
  }
  if (name === 'collections.OrderedDict') return new PyDict();
  if (KNOWN_UNSUPPORTED[name]) return new Refused(KNOWN_UNSUPPORTED[name]);
  return new Refused(`global '${name}' is not allowed`);
}

/**
 * Reads one pickle (protocols 0 to 5). `persistent` turns a persistent id into a value (a storage).
 * Throws PickleError for a damaged or unsupported stream.
 */
export function unpickle(data: Uint8Array, persistent: (pid: PyAny) => PyAny): PyAny {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let p = 0;
  const stack: StackItem[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyAny>();
  const utf8 = new TextDecoder('utf-8');
  const latin1 = new TextDecoder('latin1');

  const need = (n: number) => {
    if (p + n > data.length) throw new PickleError(`the pickle ends early (at byte ${p}, ${n} more bytes wanted)`);
  };
  const u8 = () => (need(1), data[p++]);
  const u16 = () => (need(2), (p += 2), view.getUint16(p - 2, true));
  const u32 = () => (need(4), (p += 4), view.getUint32(p - 4, true));
  const i32 = () => (need(4), (p += 4), view.getInt32(p - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(p, true);
    p += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError('a length too large');
    return Number(v);
  };
  const bytes = (n: number) => {
    need(n);
    p += n;
    return data.subarray(p - n, p);
  };
  const line = () => {
    const end = data.indexOf(0x0a, p);
    if (end < 0) throw new PickleError('the pickle ends early (a line without its end)');
    const text = latin1.decode(data.subarray(p, end));
    p = end + 1;
    return text;
  };
  const pop = (): PyAny => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) throw new PickleError(`the pickle's stack is empty at byte ${p}`);
    const v = stack.pop()!;
    if (v === MARK) throw new PickleError(`a mark where a value was expected at byte ${p}`);
    return v;
  };
  const top = (): PyAny => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new PickleError(`the pickle's stack is empty at byte ${p}`);
    return v;
  };
  const popMark = (): PyAny[] => {
    const at = marks.pop();
    if (at === undefined) throw new PickleError(`no mark to pop to at byte ${p}`);
    const items = stack.splice(at) as PyAny[];
    return items;
  };
  const littleInt = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const setItems = (target: PyAny, items: PyAny[]) => {
    if (items.length % 2) throw new PickleError(`an odd number of dict items at byte ${p}`);
    if (target instanceof Refused) return;
    if (!(target instanceof PyDict)) throw new PickleError(`dict items set on something that is not a dict at byte ${p}`);
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const append = (target: PyAny, items: PyAny[]) => {
    if (target instanceof Refused) return;
    if (target instanceof PyList) target.items.push(...items);
    else if (target instanceof Set) for (const v of items) target.add(v);
    else throw new PickleError(`items appended to something that is not a list at byte ${p}`);
  };
  const getMemo = (k: number) => {
    if (!memo.has(k)) throw new PickleError(`memo entry ${k} is missing`);
    return memo.get(k)!;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v > 5) throw new PickleError(`pickle protocol ${v} is not supported`);
        break;
      }
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        marks.push(stack.length);
        stack.push(MARK);
        marks[marks.length - 1] = stack.length;
        break;
      case 0x30: // POP
        if (stack[stack.length - 1] === MARK) {
          stack.pop();
          marks.pop();
        } else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        stack.pop();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(littleInt(bytes(u8())));
        break;
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0) throw new PickleError('a negative length');
        stack.push(littleInt(bytes(n)));
        break;
      }
      case 0x49: { // INT (text)
        const text = line();
        if (text === '01') stack.push(true);
        else if (text === '00') stack.push(false);
        else {
          const v = Number(text);
          if (!Number.isInteger(v)) throw new PickleError(`a bad INT '${text}'`);
          stack.push(v);
        }
        break;
      }
      case 0x4c: { // LONG (text)
        const text = line().replace(/L$/, '');
        if (!/^-?\d+$/.test(text)) throw new PickleError(`a bad LONG '${text}'`);
        const v = BigInt(text);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT
        need(8);
        stack.push(view.getFloat64(p, false));
        p += 8;
        break;
      case 0x46: // FLOAT (text)
        stack.push(Number(line()));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(bytes(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(bytes(u64())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape text)
        stack.push(line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16))));
        break;
      case 0x54: // BINSTRING
        stack.push(latin1.decode(bytes(i32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(bytes(u8())));
        break;
      case 0x53: { // STRING (quoted text)
        const text = line();
        stack.push(text.slice(1, -1));
        break;
      }
      case 0x42: // BINBYTES
        stack.push(new PyBytes(bytes(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(new PyBytes(bytes(u8())));
        break;
      case 0x8e: // BINBYTES8
        stack.push(new PyBytes(bytes(u64())));
        break;
      case 0x96: // BYTEARRAY8
        stack.push(new PyBytes(bytes(u64())));
        break;
      case 0x5d: // EMPTY_LIST
        stack.push(new PyList());
        break;
      case 0x61: { // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        stack.pop();
        append(top(), items);
        break;
      }
      case 0x6c: { // LIST
        const items = popMark();
        stack.pop();
        stack.push(new PyList(items));
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: { // TUPLE
        const items = popMark();
        stack.pop();
        stack.push(new PyTuple(items));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(new PyTuple([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b, c]));
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: { // DICT
        const items = popMark();
        stack.pop();
        const d = new PyDict();
        setItems(d, items);
        stack.push(d);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        stack.pop();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set<PyAny>());
        break;
      case 0x90: { // ADDITEMS
        const items = popMark();
        stack.pop();
        append(top(), items);
        break;
      }
      case 0x91: { // FROZENSET
        const items = popMark();
        stack.pop();
        stack.push(new Set<PyAny>(items));
        break;
      }
      case 0x67: // GET
        stack.push(getMemo(Number(line())));
        break;
      case 0x68: // BINGET
        stack.push(getMemo(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(getMemo(u32()));
        break;
      case 0x70: // PUT
        memo.set(Number(line()), top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x63: { // GLOBAL
        const module = line();
        const name = line();
        stack.push(new PyGlobal(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError('STACK_GLOBAL without a module and a name');
        stack.push(new PyGlobal(module, name));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(args instanceof PyTuple ? call(fn, args.items) : fn instanceof Refused ? fn : new Refused('a call with arguments that are not a tuple'));
        break;
      }
      case 0x81: { // NEWOBJ
        pop();
        const cls = pop();
        stack.push(cls instanceof PyGlobal && cls.qualified === 'collections.OrderedDict' ? new PyDict() : call(cls, []));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        pop();
        pop();
        const cls = pop();
        stack.push(cls instanceof PyGlobal && cls.qualified === 'collections.OrderedDict' ? new PyDict() : call(cls, []));
        break;
      }
      case 0x62: // BUILD: the state of a built object (a tensor's or a dict's extra state) is not needed
        pop();
        top();
        break;
      case 0x51: // BINPERSID
        stack.push(persistent(pop()));
        break;
      case 0x50: // PERSID
        stack.push(persistent(line()));
        break;
      case 0x69: { // INST
        const module = line();
        const name = line();
        popMark();
        stack.pop();
        stack.push(new Refused(`global '${module}.${name}' is not allowed`));
        break;
      }
      case 0x6f: { // OBJ
        const items = popMark();
        stack.pop();
        const cls = items[0];
        stack.push(cls instanceof Refused ? cls : new Refused(cls instanceof PyGlobal ? `global '${cls.qualified}' is not allowed` : 'an object of an unknown class'));
        break;
      }
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        throw new PickleError('pickle extension codes are not supported');
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
        throw new PickleError('out-of-band pickle buffers are not supported');
      default:
        throw new PickleError(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${p - 1}`);
    }
  }
}
