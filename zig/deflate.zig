// zlib (RFC 1950) + DEFLATE (RFC 1951) encoder for the objects Arbor writes.
//
// One call compresses a whole buffer that is already in linear memory:
//   * LZ77 over a 32 KiB window with hash chains (4-byte hash, head table
//     sized to the input so small objects do not pay for clearing 128 KiB),
//     greedy matching for levels 1-3 and lazy matching for 4-9, with zlib's
//     per-level chain/lazy/nice limits, so sizes track zlib's level for level;
//   * symbols are buffered (16 Ki per block, as zlib's default memLevel) and
//     each block is written as whichever of dynamic Huffman, fixed Huffman or
//     stored is smallest, computed exactly: the output never exceeds bound(n);
//   * Huffman code lengths come from a two-queue Huffman build, limited to 15
//     (7 for the code-length code) by moving overlong codes up and repairing
//     the Kraft sum (as miniz does), then assigned most-frequent-shortest.
// The input must be followed by 8 readable bytes (match comparison loads 8
// bytes at a time; results never depend on them) and `out` by 8 bytes of
// slack (the bit writer stores 4 bytes at a time).
const mem = @import("mem.zig");
const adler = @import("adler32.zig");

const WSIZE: u32 = 32768;
const WMASK: u32 = WSIZE - 1;
const MAX_DIST: u32 = WSIZE - 1; // < WSIZE: prev[] entries in range are never overwritten
const MIN_MATCH: u32 = 3;
const MAX_MATCH: u32 = 258;
const SYM_MAX: usize = 16384;
const MAX_HBITS: u5 = 15;
const MIN_HBITS: u5 = 8;

const Config = struct { good: u32, lazy: u32, nice: u32, chain: u32, greedy: bool };

// zlib's configuration_table (deflate.c), levels 0-9.
const configs = [10]Config{
    .{ .good = 0, .lazy = 0, .nice = 0, .chain = 0, .greedy = true },
    .{ .good = 4, .lazy = 4, .nice = 8, .chain = 4, .greedy = true },
    .{ .good = 4, .lazy = 5, .nice = 16, .chain = 8, .greedy = true },
    .{ .good = 4, .lazy = 6, .nice = 32, .chain = 32, .greedy = true },
    .{ .good = 4, .lazy = 4, .nice = 16, .chain = 16, .greedy = false },
    .{ .good = 8, .lazy = 16, .nice = 32, .chain = 32, .greedy = false },
    .{ .good = 8, .lazy = 16, .nice = 128, .chain = 128, .greedy = false },
    .{ .good = 8, .lazy = 32, .nice = 128, .chain = 256, .greedy = false },
    .{ .good = 32, .lazy = 128, .nice = 258, .chain = 1024, .greedy = false },
    .{ .good = 32, .lazy = 258, .nice = 258, .chain = 4096, .greedy = false },
};

// ---------------------------------------------------------------- tables

const len_base = [29]u16{ 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
const len_extra = [29]u8{ 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
const dist_base = [30]u16{ 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
const dist_extra = [30]u8{ 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

/// Length code index (0..28) for match lengths 3..258, indexed by length - 3.
const len_code: [256]u8 = blk: {
    @setEvalBranchQuota(10000);
    var t: [256]u8 = undefined;
    var c: usize = 0;
    while (c < 29) : (c += 1) {
        const lo = len_base[c] - 3;
        const hi = if (c == 28) 255 else @min(255, len_base[c] - 3 + (1 << len_extra[c]) - 1);
        var l: usize = lo;
        while (l <= hi) : (l += 1) t[l] = c;
    }
    t[255] = 28; // 258 is its own code; 257 (254) belongs to code 27
    t[254] = 27;
    break :blk t;
};

/// Distance code for distance - 1 (0..32767): d < 256 directly, else 256 + (d >> 7).
const dist_code: [512]u8 = blk: {
    @setEvalBranchQuota(100000);
    var t: [512]u8 = undefined;
    var c: usize = 0;
    while (c < 30) : (c += 1) {
        const lo: usize = dist_base[c] - 1;
        const hi: usize = lo + (1 << dist_extra[c]) - 1;
        var d: usize = lo;
        while (d <= hi) : (d += 1) {
            if (d < 256) t[d] = c else t[256 + (d >> 7)] = c;
        }
    }
    break :blk t;
};

inline fn distCode(d1: u32) u32 {
    return if (d1 < 256) dist_code[d1] else dist_code[256 + (d1 >> 7)];
}

// ---------------------------------------------------------------- sizes

/// Largest output for n input bytes: every block costs at most its stored
/// form (5 bytes per 65535 plus one header per block; a block holds SYM_MAX
/// symbols, so at least SYM_MAX bytes unless it is the last), plus the zlib
/// header, trailer and the bit writer's slack.
pub fn bound(n: usize) usize {
    return n + (n >> 11) + 64;
}

fn hashBits(n: usize) u5 {
    var b: u5 = MIN_HBITS;
    while (b < MAX_HBITS and (@as(usize, 1) << b) < n) b += 1;
    return b;
}

fn symCap(n: usize) usize {
    return @min(n + 2, SYM_MAX);
}

fn prevLen(n: usize) usize {
    return @min(n, WSIZE);
}

/// Scratch bytes deflate() needs for an input of n bytes (4-byte aligned).
pub fn workBytes(n: usize) usize {
    return ((@as(usize, 1) << hashBits(n)) + prevLen(n) + symCap(n)) * 4;
}

// ---------------------------------------------------------------- bit writer

const Bits = struct {
    out: [*]u8,
    pos: usize = 0,
    buf: u64 = 0,
    cnt: u6 = 0,

    inline fn put(self: *Bits, v: u32, n: u32) void {
        self.buf |= @as(u64, v) << self.cnt;
        self.cnt += @intCast(n);
        if (self.cnt >= 32) {
            mem.store32(self.out + self.pos, @truncate(self.buf));
            self.pos += 4;
            self.buf >>= 32;
            self.cnt -= 32;
        }
    }

    /// Flushes to a byte boundary (pads with zero bits).
    fn alignByte(self: *Bits) void {
        while (self.cnt > 0) {
            self.out[self.pos] = @truncate(self.buf);
            self.pos += 1;
            self.buf >>= 8;
            self.cnt = if (self.cnt >= 8) self.cnt - 8 else 0;
        }
        self.buf = 0;
    }

    /// Output bits written so far.
    fn bitPos(self: *const Bits) usize {
        return self.pos * 8 + self.cnt;
    }
};

// ---------------------------------------------------------------- Huffman

const MAX_SYMS = 288;

/// Code lengths for freq[0..n) limited to `limit` bits; symbols with
/// frequency 0 get length 0. A single used symbol gets length 1.
fn buildLengths(freq: []const u32, lens: []u8, limit: u32) void {
    const n = freq.len;
    @memset(lens, 0);
    var sym: [MAX_SYMS]u16 = undefined;
    var m: usize = 0;
    for (0..n) |i| {
        if (freq[i] != 0) {
            sym[m] = @intCast(i);
            m += 1;
        }
    }
    if (m == 0) return;
    if (m == 1) {
        lens[sym[0]] = 1;
        return;
    }
    // Insertion sort by (freq, symbol) on packed keys freq << 9 | symbol (a
    // block has at most SYM_MAX symbols, so frequencies fit in 23 bits): at
    // most 288 entries, and std's sort would add 20 KB to the module.
    var key: [MAX_SYMS]u32 = undefined;
    for (0..m) |k| key[k] = (freq[sym[k]] << 9) | sym[k];
    var i: usize = 1;
    while (i < m) : (i += 1) {
        const x = key[i];
        var j = i;
        while (j > 0 and key[j - 1] > x) : (j -= 1) key[j] = key[j - 1];
        key[j] = x;
    }
    for (0..m) |k| sym[k] = @intCast(key[k] & 0x1ff);
    // Two-queue Huffman: leaves in ascending order, internal nodes are made
    // in non-decreasing weight order. parent[] holds node indices: leaves
    // 0..m, internal nodes m..2m-1.
    var weight: [2 * MAX_SYMS]u32 = undefined;
    var parent: [2 * MAX_SYMS]u16 = undefined;
    for (0..m) |k| weight[k] = freq[sym[k]];
    var leaf: usize = 0;
    var node: usize = m; // next internal node to consume
    var made: usize = m; // next internal node to create
    while (made < 2 * m - 1) : (made += 1) {
        var pick: [2]usize = undefined;
        for (0..2) |k| {
            if (leaf < m and (node >= made or weight[leaf] <= weight[node])) {
                pick[k] = leaf;
                leaf += 1;
            } else {
                pick[k] = node;
                node += 1;
            }
        }
        weight[made] = weight[pick[0]] + weight[pick[1]];
        parent[pick[0]] = @intCast(made);
        parent[pick[1]] = @intCast(made);
    }
    // Depths: the root (2m-2) is 0; parents are always created after children.
    var depth: [2 * MAX_SYMS]u8 = undefined;
    const root = 2 * m - 2;
    depth[root] = 0;
    var k: usize = root;
    while (k > 0) {
        k -= 1;
        const d: u32 = @as(u32, depth[parent[k]]) + 1;
        depth[k] = @intCast(@min(d, 255));
    }
    // Count codes per length, overlong ones clamped to the limit, then fix
    // the Kraft sum by lengthening the deepest codes that can take it.
    var count: [256]u32 = [_]u32{0} ** 256;
    for (0..m) |q| count[@min(depth[q], limit)] += 1;
    var total: u64 = 0;
    for (1..limit + 1) |l| total += @as(u64, count[l]) << @intCast(limit - l);
    const one: u64 = @as(u64, 1) << @intCast(limit);
    while (total > one) {
        count[limit] -= 1;
        var l: u32 = limit - 1;
        while (l > 0) : (l -= 1) {
            if (count[l] != 0) {
                count[l] -= 1;
                count[l + 1] += 2;
                break;
            }
        }
        total -= 1;
    }
    // Longest codes to the least frequent symbols (sym[] is ascending).
    var q: usize = 0;
    var l: u32 = limit;
    while (l > 0) : (l -= 1) {
        var c = count[l];
        while (c > 0) : (c -= 1) {
            lens[sym[q]] = @intCast(l);
            q += 1;
        }
    }
}

const rev8: [256]u8 = blk: {
    var t: [256]u8 = undefined;
    for (0..256) |i| t[i] = @bitReverse(@as(u8, i));
    break :blk t;
};

/// Canonical codes for lens[], bit-reversed for LSB-first output.
fn buildCodes(lens: []const u8, codes: []u16) void {
    var count: [16]u16 = [_]u16{0} ** 16;
    for (lens) |l| count[l] += 1;
    count[0] = 0;
    var next: [16]u16 = undefined;
    var c: u16 = 0;
    for (1..16) |b| {
        c = (c + count[b - 1]) << 1;
        next[b] = c;
    }
    for (lens, 0..) |l, s| {
        if (l == 0) {
            codes[s] = 0;
            continue;
        }
        const v = next[l];
        next[l] += 1;
        // wasm has no bit-reverse instruction (LLVM's expansion costs ~20
        // ops per code, 2 µs per block): a byte table instead.
        const r: u16 = (@as(u16, rev8[v & 0xff]) << 8) | rev8[v >> 8];
        codes[s] = r >> @intCast(16 - @as(u32, l));
    }
}

// ---------------------------------------------------------------- blocks

const cl_order = [19]u8{ 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };

/// Symbols: a literal is its byte; a match is 0x100 | (len - 3) | (dist - 1) << 9.
const Block = struct {
    syms: [*]u32,
    nsym: usize = 0,
    start: usize = 0, // input offset the block starts at
    lfreq: [286]u32 = [_]u32{0} ** 286,
    dfreq: [30]u32 = [_]u32{0} ** 30,

    inline fn lit(self: *Block, c: u8) void {
        self.syms[self.nsym] = c;
        self.nsym += 1;
        self.lfreq[c] += 1;
    }

    inline fn match(self: *Block, len: u32, dist: u32) void {
        const l3 = len - MIN_MATCH;
        const d1 = dist - 1;
        self.syms[self.nsym] = 0x100 | l3 | (d1 << 9);
        self.nsym += 1;
        self.lfreq[257 + @as(usize, len_code[l3])] += 1;
        self.dfreq[distCode(d1)] += 1;
    }
};

/// Run-length codes of the concatenated code lengths (RFC 1951 3.2.7):
/// each entry is symbol | repeat-extra << 8.
fn rleLengths(all: []const u8, out: []u16, cfreq: *[19]u32) usize {
    var n: usize = 0;
    var i: usize = 0;
    while (i < all.len) {
        const l = all[i];
        var run: usize = 1;
        while (i + run < all.len and all[i + run] == l) run += 1;
        i += run;
        if (l == 0) {
            while (run >= 11) {
                const r = @min(run, 138);
                out[n] = 18 | @as(u16, @intCast(r - 11)) << 8;
                n += 1;
                cfreq[18] += 1;
                run -= r;
            }
            if (run >= 3) {
                out[n] = 17 | @as(u16, @intCast(run - 3)) << 8;
                n += 1;
                cfreq[17] += 1;
                run = 0;
            }
        } else {
            out[n] = l;
            n += 1;
            cfreq[l] += 1;
            run -= 1;
            while (run >= 3) {
                const r = @min(run, 6);
                out[n] = 16 | @as(u16, @intCast(r - 3)) << 8;
                n += 1;
                cfreq[16] += 1;
                run -= r;
            }
        }
        while (run > 0) : (run -= 1) {
            out[n] = l;
            n += 1;
            cfreq[l] += 1;
        }
    }
    return n;
}

fn writeSymbols(bw: *Bits, b: *const Block, lcode: []const u16, llen: []const u8, dcode: []const u16, dlen: []const u8) void {
    // The bit buffer in locals, flushed without branches once per symbol
    // (store 8 bytes, advance by the whole bytes; `out` has 8 bytes of
    // slack): after a flush fewer than 8 bits are pending, and a symbol adds
    // at most 15 + 5 + 15 + 13 = 48, so the 64-bit buffer never overflows.
    var buf = bw.buf;
    var cnt: u32 = bw.cnt;
    var pos = bw.pos;
    const out = bw.out;
    for (b.syms[0..b.nsym]) |s| {
        mem.store64(out + pos, buf);
        pos += cnt >> 3;
        buf >>= @intCast(cnt & ~@as(u32, 7));
        cnt &= 7;
        if (s < 0x100) {
            buf |= @as(u64, lcode[s]) << @intCast(cnt);
            cnt += llen[s];
        } else {
            const l3 = s & 0xff;
            const d1 = s >> 9;
            const lc: usize = len_code[l3];
            buf |= @as(u64, lcode[257 + lc]) << @intCast(cnt);
            cnt += llen[257 + lc];
            buf |= @as(u64, l3 + 3 - len_base[lc]) << @intCast(cnt);
            cnt += len_extra[lc];
            const dc = distCode(d1);
            buf |= @as(u64, dcode[dc]) << @intCast(cnt);
            cnt += dlen[dc];
            buf |= @as(u64, d1 + 1 - dist_base[dc]) << @intCast(cnt);
            cnt += dist_extra[dc];
        }
    }
    // Back to the Bits invariant (fewer than 32 bits pending).
    mem.store64(out + pos, buf);
    pos += cnt >> 3;
    buf >>= @intCast(cnt & ~@as(u32, 7));
    cnt &= 7;
    bw.buf = buf;
    bw.cnt = @intCast(cnt);
    bw.pos = pos;
    bw.put(lcode[256], llen[256]);
}

const fixed_llen: [288]u8 = blk: {
    var t: [288]u8 = undefined;
    for (0..144) |i| t[i] = 8;
    for (144..256) |i| t[i] = 9;
    for (256..280) |i| t[i] = 7;
    for (280..288) |i| t[i] = 8;
    break :blk t;
};
const fixed_dlen = [_]u8{5} ** 30;
const fixed_lcode: [288]u16 = blk: {
    @setEvalBranchQuota(100000);
    var t: [288]u16 = undefined;
    buildCodes(&fixed_llen, &t);
    break :blk t;
};
const fixed_dcode: [30]u16 = blk: {
    @setEvalBranchQuota(10000);
    var t: [30]u16 = undefined;
    buildCodes(&fixed_dlen, &t);
    break :blk t;
};

fn storedBits(bitpos: usize, len: usize) usize {
    // Each piece: 3 header bits, pad to a byte, LEN+NLEN, then the bytes.
    const pieces = @max(1, (len + 65534) / 65535);
    var bits: usize = 0;
    var p = bitpos;
    var left = len;
    var k: usize = 0;
    while (k < pieces) : (k += 1) {
        const take: usize = @min(left, 65535);
        const after = p + 3;
        const padded = (after + 7) & ~@as(usize, 7);
        const cost = padded - p + 32 + take * 8;
        bits += cost;
        p += cost;
        left -= take;
    }
    return bits;
}

fn writeStored(bw: *Bits, data: [*]const u8, len: usize, final: bool) void {
    var left = len;
    var p = data;
    while (true) {
        const take: usize = @min(left, 65535);
        const last = final and take == left;
        bw.put(if (last) 1 else 0, 3);
        bw.alignByte();
        const o = bw.out + bw.pos;
        o[0] = @truncate(take);
        o[1] = @truncate(take >> 8);
        o[2] = @truncate(~take);
        o[3] = @truncate(~take >> 8);
        @memcpy(o[4 .. 4 + take], p[0..take]);
        bw.pos += 4 + take;
        p += take;
        left -= take;
        if (left == 0) break;
    }
}

/// Writes the buffered symbols as the cheapest of dynamic, fixed or stored.
fn flushBlock(bw: *Bits, b: *Block, input: [*]const u8, end: usize, final: bool) void {
    b.lfreq[256] = 1;
    var llen: [286]u8 = undefined;
    var dlen: [30]u8 = undefined;
    buildLengths(&b.lfreq, &llen, 15);
    buildLengths(&b.dfreq, &dlen, 15);
    // No distances used: one unused 1-bit code (zlib accepts a single 1-bit code).
    var anyd = false;
    for (dlen) |l| anyd = anyd or l != 0;
    if (!anyd) dlen[0] = 1;

    var hlit: usize = 286;
    while (hlit > 257 and llen[hlit - 1] == 0) hlit -= 1;
    var hdist: usize = 30;
    while (hdist > 1 and dlen[hdist - 1] == 0) hdist -= 1;
    var all: [316]u8 = undefined;
    @memcpy(all[0..hlit], llen[0..hlit]);
    @memcpy(all[hlit .. hlit + hdist], dlen[0..hdist]);
    var rle: [316]u16 = undefined;
    var cfreq = [_]u32{0} ** 19;
    const nrle = rleLengths(all[0 .. hlit + hdist], &rle, &cfreq);
    var clen: [19]u8 = undefined;
    buildLengths(&cfreq, &clen, 7);
    // zlib rejects an incomplete code-length code: never leave it one symbol.
    var used: u32 = 0;
    for (clen) |l| used += @intFromBool(l != 0);
    if (used == 1) {
        if (clen[0] == 0) clen[0] = 1 else clen[1] = 1;
    }
    var hclen: usize = 19;
    while (hclen > 4 and clen[cl_order[hclen - 1]] == 0) hclen -= 1;

    // Exact costs in bits.
    var extra: usize = 0;
    for (0..29) |c| extra += @as(usize, b.lfreq[257 + c]) * len_extra[c];
    for (0..30) |c| extra += @as(usize, b.dfreq[c]) * dist_extra[c];
    var dyn: usize = 3 + 5 + 5 + 4 + 3 * hclen;
    for (0..19) |c| dyn += @as(usize, cfreq[c]) * clen[c];
    dyn += @as(usize, cfreq[16]) * 2 + @as(usize, cfreq[17]) * 3 + @as(usize, cfreq[18]) * 7;
    var fix: usize = 3;
    for (0..286) |c| {
        dyn += @as(usize, b.lfreq[c]) * llen[c];
        fix += @as(usize, b.lfreq[c]) * fixed_llen[c];
    }
    for (0..30) |c| {
        dyn += @as(usize, b.dfreq[c]) * dlen[c];
        fix += @as(usize, b.dfreq[c]) * 5;
    }
    dyn += extra;
    fix += extra;
    const len = end - b.start;
    const stored = storedBits(bw.bitPos(), len);

    const fin: u32 = if (final) 1 else 0;
    if (stored <= dyn and stored <= fix) {
        writeStored(bw, input + b.start, len, final);
    } else if (fix <= dyn) {
        bw.put(fin | (1 << 1), 3);
        writeSymbols(bw, b, &fixed_lcode, &fixed_llen, &fixed_dcode, &fixed_dlen);
    } else {
        var lcode: [286]u16 = undefined;
        var dcode: [30]u16 = undefined;
        var ccode: [19]u16 = undefined;
        buildCodes(&llen, &lcode);
        buildCodes(&dlen, &dcode);
        buildCodes(&clen, &ccode);
        bw.put(fin | (2 << 1), 3);
        bw.put(@intCast(hlit - 257), 5);
        bw.put(@intCast(hdist - 1), 5);
        bw.put(@intCast(hclen - 4), 4);
        for (0..hclen) |k| bw.put(clen[cl_order[k]], 3);
        for (rle[0..nrle]) |r| {
            const s = r & 0xff;
            bw.put(ccode[s], clen[s]);
            switch (s) {
                16 => bw.put(r >> 8, 2),
                17 => bw.put(r >> 8, 3),
                18 => bw.put(r >> 8, 7),
                else => {},
            }
        }
        writeSymbols(bw, b, &lcode, &llen, &dcode, &dlen);
    }
    b.nsym = 0;
    b.start = end;
    @memset(&b.lfreq, 0);
    @memset(&b.dfreq, 0);
}

// ---------------------------------------------------------------- LZ77

const Lz = struct {
    in: [*]const u8,
    n: usize,
    head: [*]u32, // hash -> position + 1 (0: none)
    prev: [*]u32, // position & WMASK -> previous position + 1 with the same hash
    hshift: u5,
    cfg: Config,

    /// Hash of the 4 bytes at p: chains then hold (collisions aside) only
    /// candidates that match at least 4 bytes, so the chain limits are spent
    /// on useful ones (3-byte matches are rarely worth it; measured: sizes
    /// equal to zlib's at levels 1 and 6 instead of 1-2% larger, and faster).
    inline fn hash(self: *const Lz, p: usize) usize {
        const v = mem.load32(self.in + p);
        return (v *% 0x9E3779B1) >> self.hshift;
    }

    /// Links position p into its hash chain; returns the previous head (+1).
    inline fn insert(self: *Lz, p: usize) u32 {
        const h = self.hash(p);
        const old = self.head[h];
        self.prev[p & WMASK] = old;
        self.head[h] = @intCast(p + 1);
        return old;
    }

    /// Length of the common prefix of in[a..] and in[b..], at most max.
    inline fn common(self: *const Lz, a: usize, b: usize, max: u32) u32 {
        var l: u32 = 0;
        while (l < max) {
            const x = mem.load64(self.in + a + l) ^ mem.load64(self.in + b + l);
            if (x != 0) {
                l += @intCast(@ctz(x) >> 3);
                return @min(l, max);
            }
            l += 8;
        }
        return max;
    }

    /// Best match for position p along the chain starting at cand (+1),
    /// longer than prev_len; returns its length (0 if none) and sets dist.
    fn longest(self: *const Lz, p: usize, cand0: u32, prev_len: u32, dist: *u32) u32 {
        const max: u32 = @intCast(@min(MAX_MATCH, self.n - p));
        if (max < MIN_MATCH) return 0;
        var chain = self.cfg.chain;
        if (prev_len >= self.cfg.good) chain >>= 2;
        var best: u32 = if (prev_len >= MIN_MATCH) prev_len else MIN_MATCH - 1;
        var found: u32 = 0;
        var cand = cand0;
        const nice = @min(self.cfg.nice, max);
        while (cand != 0 and chain != 0) : (chain -= 1) {
            const c = cand - 1;
            const d = p - c;
            if (d > MAX_DIST) break;
            // Cheap reject: the byte that would extend the best so far must
            // match, and so must the first 8 (most candidates end there).
            if (self.in[c + best] == self.in[p + best]) {
                const x = mem.load64(self.in + c) ^ mem.load64(self.in + p);
                const l = if (x != 0) @min(@as(u32, @intCast(@ctz(x) >> 3)), max) else self.common(c + 8, p + 8, max - @min(max, 8)) + @min(max, 8);
                if (l > best) {
                    best = l;
                    found = l;
                    dist.* = @intCast(d);
                    if (l >= nice) break;
                }
            }
            cand = self.prev[c & WMASK];
        }
        return found;
    }
};

/// Compresses in[0..n) at `level` (0-9) into out (bound(n) bytes + 8 slack)
/// using `work` (workBytes(n) bytes, 4-byte aligned); returns the output length.
pub fn deflate(in: [*]const u8, n: usize, level: u32, work: [*]u32, out: [*]u8) usize {
    const lv = @min(level, 9);
    const hb = hashBits(n);
    const hsize = @as(usize, 1) << hb;
    const head = work;
    const prev = work + hsize;
    const syms = prev + prevLen(n);
    const scap = symCap(n);
    @memset(head[0..hsize], 0);

    var bw = Bits{ .out = out };
    // zlib header: CM 8, CINFO 7 (32 KiB window), FLEVEL as zlib sets it.
    const flevel: u32 = if (lv < 2) 0 else if (lv < 6) 1 else if (lv == 6) 2 else 3;
    const cmf: u32 = 0x78;
    var flg: u32 = flevel << 6;
    flg += 31 - ((cmf << 8) + flg) % 31;
    out[0] = @intCast(cmf);
    out[1] = @intCast(flg);
    bw.pos = 2;

    var b = Block{ .syms = syms };
    if (lv == 0) {
        writeStored(&bw, in, n, true);
    } else {
        var lz = Lz{ .in = in, .n = n, .head = head, .prev = prev, .hshift = @intCast(32 - @as(u32, hb)), .cfg = configs[lv] };
        var p: usize = 0;
        // A block of a small input is never full (n bytes make at most n
        // symbols); a big input's blocks flush with room left for the
        // symbol that may follow the loop.
        const limit: usize = if (n + 2 <= SYM_MAX) SYM_MAX else scap - 2;
        if (lz.cfg.greedy) {
            while (p < n) {
                if (b.nsym >= limit) flushBlock(&bw, &b, in, p, false);
                var dist: u32 = 0;
                var len: u32 = 0;
                if (n - p >= MIN_MATCH) len = lz.longest(p, lz.insert(p), 0, &dist);
                if (len >= MIN_MATCH) {
                    b.match(len, dist);
                    // Like zlib's deflate_fast: index the matched bytes only
                    // for short matches (they are cheap to skip otherwise).
                    const end = p + len;
                    if (len <= lz.cfg.lazy) {
                        var q = p + 1;
                        while (q < end and q + MIN_MATCH <= n) : (q += 1) _ = lz.insert(q);
                    }
                    p = end;
                } else {
                    b.lit(in[p]);
                    p += 1;
                }
            }
        } else {
            // zlib's deflate_slow: a match is emitted only if the match at the
            // next position is not longer.
            var prev_len: u32 = 0;
            var prev_dist: u32 = 0;
            var have_prev = false; // in[p-1] is pending as a literal or match start
            while (p < n) {
                if (b.nsym >= limit) flushBlock(&bw, &b, in, if (have_prev) p - 1 else p, false);
                var dist: u32 = 0;
                var len: u32 = 0;
                if (n - p >= MIN_MATCH) {
                    const cand = lz.insert(p);
                    if (prev_len < lz.cfg.lazy) len = lz.longest(p, cand, prev_len, &dist);
                    // A 3-byte match far away costs more than three literals.
                    if (len == MIN_MATCH and dist > 4096) len = 0;
                }
                if (have_prev and prev_len >= MIN_MATCH and len <= prev_len) {
                    // Emit the previous match (starting at p-1), index its bytes.
                    b.match(prev_len, prev_dist);
                    const end = p - 1 + prev_len;
                    var q = p + 1;
                    while (q < end and q + MIN_MATCH <= n) : (q += 1) _ = lz.insert(q);
                    p = end;
                    have_prev = false;
                    prev_len = 0;
                    continue;
                }
                if (have_prev) b.lit(in[p - 1]);
                have_prev = true;
                prev_len = len;
                prev_dist = dist;
                p += 1;
            }
            if (have_prev) b.lit(in[n - 1]);
        }
        flushBlock(&bw, &b, in, n, true);
    }
    bw.alignByte();
    mem.store32be(out + bw.pos, adler.adler32(1, in, n));
    return bw.pos + 4;
}
