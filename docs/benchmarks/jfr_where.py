#!/usr/bin/env python3
"""Where the threads that run images spent their samples, from `jfr print` of a recording.

    jfr print --events jdk.ExecutionSample,jdk.NativeMethodSample --stack-depth 64 rec.jfr \
        | python3 jfr_where.py 'Executor task launch worker|^"main"'

Each sample of a matching thread goes to the first category whose pattern a frame matches, frames
read from the top of the stack down; the rest is "other".
"""
import re
import sys
from collections import Counter

CATEGORIES = [
    ("fused DLA kernel (JNA)", r"ai\.dla\.light\.NativeKernel|com\.sun\.jna"),
    ("PyTorch operations (JNI)", r"ai\.djl\.pytorch\.jni\."),
    ("image decoding (ImageIO)", r"javax\.imageio|com\.sun\.imageio|BufferedImageFactory\.fromInputStream|ImageFactory\.fromFile"),
    ("image to tensor (DJL)", r"ai\.djl\.modality\.cv|ai\.djl\.translate"),
    ("Parquet writing", r"org\.apache\.parquet|ParquetOutputWriter"),
    ("file reading", r"BinaryFileFormat|org\.apache\.hadoop\.fs|java\.io\.FileInputStream"),
    ("printing", r"java\.io\.PrintStream"),
]


def main():
    threads = re.compile(sys.argv[1])
    counts = Counter()
    thread, frames = None, []
    for line in sys.stdin:
        line = line.strip()
        if line.startswith("sampledThread"):
            thread = line.split("=", 1)[1].strip()
        elif line.startswith("stackTrace"):
            frames = []
        elif line == "]" and thread is not None:
            if threads.search(thread):
                name = "other (Spark, DJL's Java side, the JVM)"
                for frame in frames:
                    hit = next((c for c, p in CATEGORIES if re.search(p, frame)), None)
                    if hit:
                        name = hit
                        break
                counts[name] += 1
            thread = None
        elif thread is not None:
            frames.append(line)
    total = sum(counts.values())
    print(f"{total} samples")
    for name, n in counts.most_common():
        print(f"{100 * n / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
