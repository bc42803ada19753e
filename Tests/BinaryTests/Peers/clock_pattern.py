# Raw video whose every frame shows the wall clock: yuv420p 640x360 at <fps> on stdout, for
# ffmpeg to encode and push. The time in milliseconds is drawn as 48 bits, a grid of 8 x 6
# black or white blocks of 80 x 60 pixels (most significant bit first, left to right, top to
# bottom), big enough to survive any encoder. whep_client.py --clock reads it back.
# Usage: clock_pattern.py <fps> <seconds>
import sys
import time

WIDTH, HEIGHT, COLUMNS, ROWS = 640, 360, 8, 6


def frame(milliseconds):
    bits = [(milliseconds >> (47 - index)) & 1 for index in range(48)]
    rows = []
    for row in range(ROWS):
        line = bytearray()
        for column in range(COLUMNS):
            line += bytes([235 if bits[row * COLUMNS + column] else 16]) * (WIDTH // COLUMNS)
        rows.append(bytes(line) * (HEIGHT // ROWS))
    chroma = bytes([128]) * (WIDTH * HEIGHT // 4)
    return b"".join(rows) + chroma + chroma


def main():
    fps, seconds = int(sys.argv[1]), float(sys.argv[2])
    out = sys.stdout.buffer
    start = time.monotonic()
    count = 0
    while count < fps * seconds:
        due = start + count / fps
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        out.write(frame(int(time.time() * 1000)))
        out.flush()
        count += 1


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        pass
