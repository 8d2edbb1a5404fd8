import os

import matplotlib

matplotlib.use("Agg")  # no display in tests
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
