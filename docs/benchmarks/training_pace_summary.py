"""Summarises a log of training-pace.sh: per measurement, the runs' img/s and their median, the
system time and page faults of the timed steps, the whole process's figures, and the other lines."""
import re, sys, statistics as st
h=None; rows={}
for line in open(sys.argv[1]):
    line=line.rstrip('\n')
    if line.startswith('-- '):
        h=re.sub(r' run \d+$','',line[3:]); continue
    if h is None: continue
    r=rows.setdefault(h,{'img':[],'sys':[],'flt':[],'proc':[],'other':[]})
    m=re.match(r'^(train|infer)\s+(\S+)\s+([\d.]+)\s+([\d.]+)',line)
    if m and 'timed' not in line and 'ratio' not in line: r['img'].append(float(m.group(3))); r['other'].append(line); continue
    m=re.search(r'timed steps: system time ([\d.]+)% of wall, (\d+) minor',line)
    if m: r['sys'].append(float(m.group(1))); r['flt'].append(int(m.group(2))); continue
    m=re.search(r'process: ([\d.]+) s wall, ([\d.]+) s sys, ([\d.]+) s user, (\d+) minor faults, (\d+) KB',line)
    if m: r['proc'].append(tuple(float(x) for x in m.groups())); continue
    r['other'].append(line)
for h,r in rows.items():
    print('##',h)
    if r['img']:
        print('   img/s', r['img'], 'median', st.median(r['img']))
    if r['sys']: print('   timed sys%', r['sys'], 'median', st.median(r['sys']), '| faults/step', r['flt'], 'median', st.median(r['flt']))
    if r['proc']: print('   process wall', [p[0] for p in r['proc']], 'sys', [p[1] for p in r['proc']], 'faults', [int(p[3]) for p in r['proc']], 'peak MiB', [int(p[4]/1024) for p in r['proc']])
    for o in r['other']:
        if not re.match(r'^(train|infer)\s+(resnet|dla|mrla)',o): print('  ',o[:250])
