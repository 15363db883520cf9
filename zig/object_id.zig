// Git object ids: SHA-1 of "<type> <len>\0" followed by the content.
const sha1 = @import("sha1.zig");

const type_names = [_][]const u8{ "", "commit", "tree", "blob", "tag" };

/// Writes the id of an object of type typ (1 commit, 2 tree, 3 blob, 4 tag)
/// with content data[0..len) to out[0..20). The caller checks typ.
pub fn hash(typ: u32, data: [*]const u8, len: usize, out: [*]u8) void {
    var hdr: [32]u8 = undefined;
    const name = type_names[typ];
    @memcpy(hdr[0..name.len], name);
    var n = name.len;
    hdr[n] = ' ';
    n += 1;
    var digits: [20]u8 = undefined;
    var d: usize = 0;
    var v: usize = len;
    while (true) {
        digits[d] = @intCast('0' + v % 10);
        d += 1;
        v /= 10;
        if (v == 0) break;
    }
    while (d > 0) {
        d -= 1;
        hdr[n] = digits[d];
        n += 1;
    }
    hdr[n] = 0;
    n += 1;
    var c: sha1.Ctx = undefined;
    sha1.init(&c);
    sha1.update(&c, &hdr, n);
    sha1.update(&c, data, len);
    sha1.final(&c, out);
}
