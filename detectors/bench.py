"""placeholder, replaced below"""
def add_bench_parser(sub, name):
    p = sub.add_parser(name, help="benchmark detectors")
    p.set_defaults(func=lambda a: 0)
def register_bench(sub):
    add_bench_parser(sub, "detectors")
