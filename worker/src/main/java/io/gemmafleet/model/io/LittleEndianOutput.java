package io.gemmafleet.model.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** An output stream that counts the bytes written and writes little-endian primitives, as GGUF and safetensors need. */
public final class LittleEndianOutput extends FilterOutputStream {

    private long count;

    public LittleEndianOutput(OutputStream out) {
        super(out);
    }

    /** Bytes written so far. */
    public long count() {
        return count;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        count += len;
    }

    public void u8(int v) throws IOException {
        write(v);
    }

    public void u16(int v) throws IOException {
        write(v & 0xFF);
        write((v >>> 8) & 0xFF);
    }

    public void u32(int v) throws IOException {
        u16(v);
        u16(v >>> 16);
    }

    public void u64(long v) throws IOException {
        u32((int) v);
        u32((int) (v >>> 32));
    }

    public void f32(float v) throws IOException {
        u32(Float.floatToRawIntBits(v));
    }

    public void f64(double v) throws IOException {
        u64(Double.doubleToRawLongBits(v));
    }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    public void padTo(long alignment) throws IOException {
        while (count % alignment != 0) {
            write(0);
        }
    }

    /** A GGUF string: uint64 byte length, then UTF-8 bytes. */
    public void ggufString(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        write(b, 0, b.length);
    }
}
