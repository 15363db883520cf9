// zlib (RFC 1950) + DEFLATE (RFC 1951) decoder that reports how many input
// bytes the stream used, with a hard output cap.
//
// Speed: a 64-bit bit buffer refilled 7 bytes at a time without branches per
// byte, and single-lookup Huffman tables (a ROOT-bit first level plus
// second-level tables for longer codes) whose entries carry everything needed
// to decode a symbol: its length, its kind, its base value and how many extra
// bits follow. Matches copy 16 (v128) or 8 bytes at a time when the distance
// allows; the Adler-32 check runs over the output at the end.
//
// Semantics follow zlib's inflate() exactly, so that this and node:zlib agree
// on every input, including hostile ones:
//   * the same checks, in the same order, with the same error (the host maps
//     each status to zlib's message text);
//   * incomplete Huffman codes are rejected except a single 1-bit code, and an
//     empty distance code is accepted until a distance is needed (as zlib);
//   * "truncated" means the input ended before zlib could have decided; an
//     error is only reported if it was decided by real input bits.
// The input is followed in memory by PAD zero bytes. Decoding reads zeros past
// the end instead of testing for the end at every step; any decision that
// consumed bits past the end is reported as `truncated` (zlib would have
// stopped there and asked for more input). Past PAD bytes, truncation is
// certain, which bounds the reads.
const mem = @import("mem.zig");
const adler = @import("adler32.zig");

pub const PAD: usize = 32;

pub const Status = enum(u32) {
    ok = 0,
    truncated = 1,
    too_large = 2,
    incorrect_header_check = 3,
    unknown_compression_method = 4,
    invalid_window_size = 5,
    need_dictionary = 6,
    invalid_block_type = 7,
    invalid_stored_block_lengths = 8,
    too_many_length_or_distance_symbols = 9,
    invalid_code_lengths_set = 10,
    invalid_bit_length_repeat = 11,
    missing_end_of_block = 12,
    invalid_literal_lengths_set = 13,
    invalid_distances_set = 14,
    invalid_literal_length_code = 15,
    invalid_distance_code = 16,
    invalid_distance_too_far_back = 17,
    incorrect_data_check = 18,
};

// ---------------------------------------------------------------- tables
//
// Entry layout (u32):
//   bits 0-3   code length to drop (for a link: LIT_ROOT / DIST_ROOT)
//   bits 4-7   extra bits after the code (lengths/distances); for a link,
//              the index width of the second-level table
//   bits 8-11  kind
//   bits 16-31 value: literal byte, length or distance base, link offset
const K_LIT: u32 = 0; // literal (litlen), distance (dist), code-length symbol (codes)
const K_LEN: u32 = 1;
const K_EOB: u32 = 2;
const K_LINK: u32 = 3;
const K_BAD: u32 = 4;

inline fn entry(kind: u32, value: u32, extra: u32) u32 {
    return (value << 16) | (kind << 8) | (extra << 4);
}

pub const LIT_ROOT: u5 = 10;
pub const DIST_ROOT: u5 = 8;
const CODE_ROOT: u5 = 7;
const LIT_SIZE = 4096; // > zlib's `enough 286 10 15` (1332)
const DIST_SIZE = 1024; // > `enough 30 8 15` (402)

const len_base = [29]u16{ 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
const len_extra = [29]u8{ 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
const dist_base = [30]u16{ 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
const dist_extra = [30]u8{ 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

// What each symbol decodes to, without its code length.
const lit_sym: [288]u32 = blk: {
    var t: [288]u32 = undefined;
    for (0..256) |s| t[s] = entry(K_LIT, s, 0);
    t[256] = entry(K_EOB, 0, 0);
    for (257..286) |s| t[s] = entry(K_LEN, len_base[s - 257], len_extra[s - 257]);
    t[286] = entry(K_BAD, 0, 0);
    t[287] = entry(K_BAD, 0, 0);
    break :blk t;
};
const dist_sym: [32]u32 = blk: {
    var t: [32]u32 = undefined;
    for (0..30) |s| t[s] = entry(K_LIT, dist_base[s], dist_extra[s]);
    t[30] = entry(K_BAD, 0, 0);
    t[31] = entry(K_BAD, 0, 0);
    break :blk t;
};
const code_sym: [19]u32 = blk: {
    var t: [19]u32 = undefined;
    for (0..19) |s| t[s] = entry(K_LIT, s, 0);
    break :blk t;
};

const Kind = enum { codes, lens, dists };

/// Builds a decoding table like zlib's inflate_table (same acceptance rules).
/// Returns false for an over-subscribed or (disallowed) incomplete code.
fn build(table: [*]u32, lens: [*]const u8, num: usize, syms: [*]const u32, comptime root: u5, comptime kind: Kind) bool {
    const size: u32 = @as(u32, 1) << root;
    var count = [_]u16{0} ** 16;
    for (0..num) |s| count[lens[s]] += 1;
    var max: u32 = 15;
    while (max >= 1 and count[max] == 0) max -= 1;
    if (max == 0) {
        // No codes at all. zlib builds a 1-bit table of "invalid" entries, which
        // for the code-length code zlib reads as symbol 0 (it never looks at the
        // invalid marker there), and for distances as an invalid code.
        const e = if (kind == .codes) entry(K_LIT, 0, 0) | 1 else entry(K_BAD, 0, 0) | 1;
        for (0..size) |i| table[i] = e;
        return true;
    }
    var left: i32 = 1;
    var l: u32 = 1;
    while (l <= 15) : (l += 1) {
        left <<= 1;
        left -= count[l];
        if (left < 0) return false; // over-subscribed
    }
    if (left > 0) {
        if (kind == .codes or max != 1) return false; // incomplete
        // A single code of length 1 (zlib allows it for lens and dists): the
        // other 1-bit pattern is an invalid code of length 1.
        var sym: usize = 0;
        while (lens[sym] == 0) sym += 1;
        const good = syms[sym] | 1;
        const bad = entry(K_BAD, 0, 0) | 1;
        var i: u32 = 0;
        while (i < size) : (i += 2) {
            table[i] = good;
            table[i + 1] = bad;
        }
        return true;
    }
    // Canonical order: by length, then symbol.
    var offs: [17]u16 = undefined;
    offs[1] = 0;
    l = 1;
    while (l < 16) : (l += 1) offs[l + 1] = offs[l] + count[l];
    var sorted: [288]u16 = undefined;
    for (0..num) |s| {
        const len = lens[s];
        if (len != 0) {
            sorted[offs[len]] = @intCast(s);
            offs[len] += 1;
        }
    }
    // Codes up to `root` bits (libdeflate's method): each codeword is written
    // once into a table as wide as its length, and the table is doubled
    // (one memory.copy) whenever the length grows, which replicates the
    // shorter codes into every slot whose extra high bits they ignore.
    // `code` is the current codeword bit-reversed, as it is read.
    var code: u32 = 0;
    var i: usize = 0;
    var len: u32 = 1;
    while (count[len] == 0) len += 1;
    var cur: u32 = @as(u32, 1) << @intCast(len); // current table width
    while (len <= root) {
        var k: u32 = count[len];
        while (k != 0) : (k -= 1) {
            table[code] = syms[sorted[i]] | len;
            i += 1;
            if (code == cur - 1) {
                // The last codeword (all ones): replicate up to the full width.
                while (len < root) : (len += 1) {
                    @memcpy(table[cur..][0..cur], table[0..cur]);
                    cur <<= 1;
                }
                return true;
            }
            // Next codeword: increment the bit-reversed code.
            const bit = @as(u32, 1) << @intCast(31 - @clz(code ^ (cur - 1)));
            code = (code & (bit - 1)) | bit;
        }
        while (true) {
            len += 1;
            if (len <= root) {
                @memcpy(table[cur..][0..cur], table[0..cur]);
                cur <<= 1;
            }
            if (count[len] != 0) break;
        }
    }
    // Longer codes: a second-level table per root prefix, as wide as the codes
    // sharing that prefix need (zlib's rule), filled like zlib does.
    var remaining = count; // codes of each length not placed yet
    var next_free: u32 = size;
    var cur_low: u32 = 0xffffffff; // root index of the current second-level table
    var sub_off: u32 = 0;
    var sub_bits: u32 = 0;
    while (len <= max) : (len += 1) {
        var k: u32 = count[len];
        while (k != 0) : (k -= 1) {
            const sym = sorted[i];
            i += 1;
            const low = code & (size - 1);
            if (low != cur_low) {
                var curr: u32 = len - root;
                var lft: i32 = @as(i32, 1) << @intCast(curr);
                while (curr + root < max) {
                    lft -= remaining[curr + root];
                    if (lft <= 0) break;
                    curr += 1;
                    lft <<= 1;
                }
                sub_bits = curr;
                sub_off = next_free;
                next_free += @as(u32, 1) << @intCast(curr);
                cur_low = low;
                table[low] = (sub_off << 16) | (K_LINK << 8) | (curr << 4) | root;
            }
            const e = syms[sym] | (len - root);
            var j: u32 = code >> root;
            const step = @as(u32, 1) << @intCast(len - root);
            const end = @as(u32, 1) << @intCast(sub_bits);
            while (j < end) : (j += step) table[sub_off + j] = e;
            remaining[len] -= 1;
            var incr = @as(u32, 1) << @intCast(len - 1);
            while (code & incr != 0) incr >>= 1;
            if (incr != 0) {
                code &= incr - 1;
                code += incr;
            } else {
                code = 0;
            }
        }
    }
    return true;
}

var lit_table: [LIT_SIZE]u32 = undefined;
var dist_table: [DIST_SIZE]u32 = undefined;
var code_table: [1 << CODE_ROOT]u32 = undefined;
var fixed_lit: [LIT_SIZE]u32 = undefined;
var fixed_dist: [DIST_SIZE]u32 = undefined;
var fixed_ready = false;
var lens_buf: [320]u8 = undefined;

fn fixedTables() void {
    if (fixed_ready) return;
    var l: [288]u8 = undefined;
    for (0..144) |s| l[s] = 8;
    for (144..256) |s| l[s] = 9;
    for (256..280) |s| l[s] = 7;
    for (280..288) |s| l[s] = 8;
    _ = build(&fixed_lit, &l, 288, &lit_sym, LIT_ROOT, .lens);
    var d: [32]u8 = undefined;
    for (0..32) |s| d[s] = 5;
    _ = build(&fixed_dist, &d, 32, &dist_sym, DIST_ROOT, .dists);
    fixed_ready = true;
}

// ---------------------------------------------------------------- decoder

const Err = error{Fail};

const State = struct {
    in: [*]const u8,
    in_len: usize,
    pos: usize, // next input byte to load into bb
    bb: u64, // bits above bc are the correct next input bits or zero
    bc: u32, // valid bits in bb
    out: [*]u8,
    out_pos: usize,
    cap: usize,
    status: Status,

    inline fn overrun(s: *const State) bool {
        return @as(u64, s.pos) * 8 - s.bc > @as(u64, s.in_len) * 8;
    }

    /// Reports an error decided by the bits consumed so far (or truncation).
    fn fail(s: *State, st: Status) Err {
        s.status = if (s.overrun()) .truncated else st;
        return error.Fail;
    }

    /// Tops bb up to at least 56 valid bits.
    inline fn refill(s: *State) Err!void {
        if (s.pos > s.in_len + 8) {
            s.status = .truncated; // consumed bits past the end for sure
            return error.Fail;
        }
        s.bb |= mem.load64(s.in + s.pos) << @intCast(s.bc);
        const n = (63 - s.bc) >> 3;
        s.pos += n;
        s.bc += n << 3;
    }

    inline fn need(s: *State, n: u32) Err!void {
        if (s.bc < n) try s.refill();
    }

    inline fn bits(s: *const State, n: u32) u32 {
        return @truncate(s.bb & ((@as(u64, 1) << @intCast(n)) - 1));
    }

    inline fn drop(s: *State, n: u32) void {
        s.bb >>= @intCast(n);
        s.bc -= n;
    }

    fn take(s: *State, n: u32) Err!u32 {
        try s.need(n);
        const v = s.bits(n);
        s.drop(n);
        return v;
    }
};

fn header(s: *State) Err!void {
    const h = try s.take(16);
    const cmf = h & 0xff;
    const flg = h >> 8;
    if (((cmf << 8) | flg) % 31 != 0) return s.fail(.incorrect_header_check);
    if (cmf & 15 != 8) return s.fail(.unknown_compression_method);
    if ((cmf >> 4) + 8 > 15) return s.fail(.invalid_window_size);
    if (flg & 0x20 != 0) {
        _ = try s.take(16);
        _ = try s.take(16);
        return s.fail(.need_dictionary);
    }
}

fn stored(s: *State) Err!void {
    s.drop(s.bc & 7);
    const lens = try s.take(32);
    if (lens & 0xffff != (lens >> 16) ^ 0xffff) return s.fail(.invalid_stored_block_lengths);
    // bc is a multiple of 8 here: the next byte of the stream is at pos - bc/8.
    const p = s.pos - (s.bc >> 3);
    if (p > s.in_len) return s.fail(.truncated);
    const n: usize = lens & 0xffff;
    const avail = s.in_len - p;
    const room = s.cap - s.out_pos;
    if (n > avail or n > room) {
        // zlib copies what it can, then stops: for lack of room if the output
        // is full (even if the input ended too), else for lack of input.
        const k = @min(avail, room);
        @memcpy(s.out[s.out_pos..][0..k], s.in[p..][0..k]);
        s.out_pos += k;
        return s.fail(if (k == room) .too_large else .truncated);
    }
    @memcpy(s.out[s.out_pos..][0..n], s.in[p..][0..n]);
    s.out_pos += n;
    s.pos = p + n;
    s.bb = 0;
    s.bc = 0;
}

const order = [19]u8{ 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };

fn dynamic(s: *State) Err!void {
    const h = try s.take(14);
    const nlen = 257 + (h & 31);
    const ndist = 1 + ((h >> 5) & 31);
    const ncode = 4 + (h >> 10);
    if (nlen > 286 or ndist > 30) return s.fail(.too_many_length_or_distance_symbols);
    var cl = [_]u8{0} ** 19;
    var i: u32 = 0;
    while (i < ncode) : (i += 1) cl[order[i]] = @intCast(try s.take(3));
    if (!build(&code_table, &cl, 19, &code_sym, CODE_ROOT, .codes)) return s.fail(.invalid_code_lengths_set);
    const lens = &lens_buf;
    const total = nlen + ndist;
    var have: u32 = 0;
    // The bit buffer in locals for this loop (State lives in memory).
    var bb = s.bb;
    var bc = s.bc;
    var pos = s.pos;
    var st: Status = .ok;
    while (have < total) {
        if (bc < 16) {
            if (pos > s.in_len + 8) {
                st = .truncated;
                break;
            }
            bb |= mem.load64(s.in + pos) << @intCast(bc);
            const nb = (63 - bc) >> 3;
            pos += nb;
            bc += nb << 3;
        }
        const e = code_table[@as(u32, @truncate(bb)) & ((1 << CODE_ROOT) - 1)];
        const el = e & 15;
        bb >>= @intCast(el);
        bc -= el;
        const sym = e >> 16;
        if (sym < 16) {
            lens[have] = @intCast(sym);
            have += 1;
            continue;
        }
        var rep: u32 = undefined;
        var val: u8 = 0;
        const x: u32 = @truncate(bb);
        if (sym == 16) {
            rep = 3 + (x & 3);
            bb >>= 2;
            bc -= 2;
            if (have == 0) {
                st = .invalid_bit_length_repeat;
                break;
            }
            val = lens[have - 1];
        } else if (sym == 17) {
            rep = 3 + (x & 7);
            bb >>= 3;
            bc -= 3;
        } else {
            rep = 11 + (x & 127);
            bb >>= 7;
            bc -= 7;
        }
        if (have + rep > total) {
            st = .invalid_bit_length_repeat;
            break;
        }
        for (0..rep) |k| lens[have + k] = val;
        have += rep;
    }
    s.bb = bb;
    s.bc = bc;
    s.pos = pos;
    if (st != .ok) return s.fail(st);
    if (lens[256] == 0) return s.fail(.missing_end_of_block);
    if (!build(&lit_table, lens, nlen, &lit_sym, LIT_ROOT, .lens)) return s.fail(.invalid_literal_lengths_set);
    if (!build(&dist_table, lens[nlen..].ptr, ndist, &dist_sym, DIST_ROOT, .dists)) return s.fail(.invalid_distances_set);
}

/// Decodes one Huffman-coded block's symbols up to and including end-of-block.
fn codes(s: *State, lt: [*]const u32, dt: [*]const u32) Err!void {
    const lmask: u64 = (@as(u64, 1) << LIT_ROOT) - 1;
    const dmask: u64 = (@as(u64, 1) << DIST_ROOT) - 1;
    const out = s.out;
    const cap = s.cap;
    // Working copies in locals so they stay in registers.
    var bb = s.bb;
    var bc = s.bc;
    var pos = s.pos;
    var op = s.out_pos;
    const in = s.in;
    const in_len = s.in_len;
    const in_bits: u64 = @as(u64, in_len) * 8;
    var st: Status = .ok;
    while (true) {
        // Near the end of the input the refill reads padding zeros: such
        // iterations are "careful" and check, before acting on a symbol, that
        // its bits were real input (so that output written and the choice
        // between "truncated" and "output full" match zlib exactly).
        const careful = pos + 8 > in_len;
        if (pos > in_len + 8) {
            st = .truncated; // consumed bits past the end for sure
            break;
        }
        // Refill to >= 56 bits: enough for a length (15 + 5) and a distance (15 + 13).
        bb |= mem.load64(in + pos) << @intCast(bc);
        const nb = (63 - bc) >> 3;
        pos += nb;
        bc += nb << 3;

        var e = lt[@intCast(bb & lmask)];
        if ((e >> 8) & 15 == K_LINK) {
            bb >>= LIT_ROOT;
            bc -= LIT_ROOT;
            e = lt[(e >> 16) + (@as(u32, @truncate(bb)) & ((@as(u32, 1) << @intCast((e >> 4) & 15)) - 1))];
        }
        const cl = e & 15;
        bb >>= @intCast(cl);
        bc -= cl;
        if (careful and @as(u64, pos) * 8 - bc > in_bits) {
            st = .truncated;
            break;
        }
        const kind = (e >> 8) & 15;
        if (kind == K_LIT) {
            if (op >= cap) {
                st = .too_large;
                break;
            }
            out[op] = @truncate(e >> 16);
            op += 1;
            // A second literal without refilling: >= 41 bits are left.
            if (!careful) {
                const e2 = lt[@intCast(bb & lmask)];
                if (e2 & 0xf00 == 0) {
                    const cl2 = e2 & 15;
                    bb >>= @intCast(cl2);
                    bc -= cl2;
                    if (op >= cap) {
                        st = .too_large;
                        break;
                    }
                    out[op] = @truncate(e2 >> 16);
                    op += 1;
                }
            }
            continue;
        }
        if (kind == K_LEN) {
            const lx = (e >> 4) & 15;
            const length: usize = (e >> 16) + (@as(u32, @truncate(bb)) & ((@as(u32, 1) << @intCast(lx)) - 1));
            bb >>= @intCast(lx);
            bc -= lx;
            var d = dt[@intCast(bb & dmask)];
            if ((d >> 8) & 15 == K_LINK) {
                bb >>= DIST_ROOT;
                bc -= DIST_ROOT;
                d = dt[(d >> 16) + (@as(u32, @truncate(bb)) & ((@as(u32, 1) << @intCast((d >> 4) & 15)) - 1))];
            }
            const dl = d & 15;
            bb >>= @intCast(dl);
            bc -= dl;
            if ((d >> 8) & 15 != K_LIT) {
                st = .invalid_distance_code;
                break;
            }
            const dx = (d >> 4) & 15;
            const dist: usize = (d >> 16) + (@as(u32, @truncate(bb)) & ((@as(u32, 1) << @intCast(dx)) - 1));
            bb >>= @intCast(dx);
            bc -= dx;
            if (careful and @as(u64, pos) * 8 - bc > in_bits) {
                st = .truncated;
                break;
            }
            // zlib's order: no room at all, then distance, then room for all of it.
            if (op == cap) {
                st = .too_large;
                break;
            }
            if (dist > op) {
                st = .invalid_distance_too_far_back;
                break;
            }
            if (length > cap - op) {
                // zlib copies what fits, then stops for lack of room.
                const room = cap - op;
                for (0..room) |k| out[op + k] = out[op + k - dist];
                op = cap;
                st = .too_large;
                break;
            }
            const dst = out + op;
            const src = dst - dist;
            if (dist >= 16) {
                // 16-byte (v128) copies; may write up to 15 bytes past the
                // match (slack follows the output buffer), never reading
                // bytes not yet written.
                var k: usize = 0;
                while (k < length) : (k += 16) mem.store128(dst + k, mem.load128(src + k));
            } else if (dist >= 8) {
                var k: usize = 0;
                while (k < length) : (k += 8) mem.store64(dst + k, mem.load64(src + k));
            } else if (dist == 1) {
                const v = @as(u64, src[0]) * 0x0101010101010101;
                var k: usize = 0;
                while (k < length) : (k += 8) mem.store64(dst + k, v);
            } else {
                for (0..length) |k| dst[k] = src[k];
            }
            op += length;
            continue;
        }
        if (kind == K_EOB) break;
        st = .invalid_literal_length_code;
        break;
    }
    s.bb = bb;
    s.bc = bc;
    s.pos = pos;
    s.out_pos = op;
    if (st != .ok) return s.fail(st);
}

fn run(s: *State) Err!void {
    try header(s);
    while (true) {
        const h = try s.take(3);
        const last = h & 1;
        switch (h >> 1) {
            0 => try stored(s),
            1 => {
                fixedTables();
                try codes(s, &fixed_lit, &fixed_dist);
            },
            2 => {
                try dynamic(s);
                try codes(s, &lit_table, &dist_table);
            },
            else => return s.fail(.invalid_block_type),
        }
        if (last != 0) break;
    }
    s.drop(s.bc & 7);
    const c = @byteSwap(try s.take(32));
    if (s.overrun()) return s.fail(.truncated);
    if (c != adler.adler32(1, s.out, s.out_pos)) return s.fail(.incorrect_data_check);
}

pub const Result = extern struct {
    consumed: u32,
    produced: u32,
};

/// Inflates the zlib stream at in[0..in_len) (followed by PAD readable bytes,
/// which this zeroes) into out[0..cap) (followed by 16 writable bytes of slack).
pub fn inflate(in: [*]u8, in_len: usize, out: [*]u8, cap: usize, res: *Result) Status {
    inline for (0..PAD / 8) |k| mem.store64(in + in_len + 8 * k, 0);
    var s = State{
        .in = in,
        .in_len = in_len,
        .pos = 0,
        .bb = 0,
        .bc = 0,
        .out = out,
        .out_pos = 0,
        .cap = cap,
        .status = .ok,
    };
    run(&s) catch {
        res.consumed = 0;
        res.produced = @intCast(s.out_pos);
        return s.status;
    };
    res.consumed = @intCast(s.pos - (s.bc >> 3));
    res.produced = @intCast(s.out_pos);
    return .ok;
}
