# Follows wandb/examples colabs/wandb-log/Log_(Almost)_Anything_with_W&B_Media.ipynb (its data files replaced by small stand-ins).
# The code keeps the notebook's own style, hence:
# ruff: noqa: E402, I001, SIM115
import heron.wandb as wandb

import os
import warnings

warnings.filterwarnings("ignore", category=UserWarning)

import pandas as pd
import numpy as np

# -- stand-ins for the files the notebook clones from the examples repository ----------------
DATA = os.path.join("examples", "examples", "data")
os.makedirs(DATA, exist_ok=True)
pd.DataFrame({"close": 100 + np.cumsum(np.random.default_rng(3).normal(size=1200))}).to_csv(
    os.path.join(DATA, "apple.csv"), index=False
)
from PIL import Image as PILImage

PILImage.fromarray(np.random.default_rng(4).integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(
    os.path.join(DATA, "cafe.jpg")
)
for name, content in [
    ("openai-gym.mp4", b"\x00\x00\x00\x18ftypmp42"),
    ("piano.wav", b"RIFF\x24\x00\x00\x00WAVE"),
    ("some_html.html", b"<p>hello</p>"),
    ("wolf.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"),
]:
    with open(os.path.join(DATA, name), "wb") as handle:
        handle.write(content)

# -- the notebook's cells ---------------------------------------------------------------------
wandb.login()

apple = pd.read_csv("examples/examples/data/apple.csv")
apple = apple[-1000:]

wandb.init(project="visualize-predictions", name="metrics")
for price in apple["close"]:
    wandb.log({"Stock Price": price})
wandb.finish()

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

wandb.init(project="visualize-predictions", name="plots")
fibonacci = [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]
fig, ax = plt.subplots()
ax.plot(fibonacci)
ax.set_ylabel("some interesting numbers")
wandb.log({"plot": fig})
wandb.finish()

wandb.init(project="visualize-predictions", name="histograms")
fibonacci = np.array([0, 1, 1, 2, 3, 5, 8, 13, 21, 34])
for i in range(1, 10):
    wandb.log({"histograms": wandb.Histogram(fibonacci / i)})
wandb.finish()

wandb.init(project="visualize-predictions", name="images")
path_to_img = "examples/examples/data/cafe.jpg"
im = plt.imread(path_to_img)
wandb.log({"img": [wandb.Image(im, caption="Cafe")]})
wandb.finish()

wandb.init(project="visualize-predictions", name="videos")
path_to_video = "examples/examples/data/openai-gym.mp4"
wandb.log({"video": wandb.Video(path_to_video, fps=4, format="gif")})
wandb.finish()

wandb.init(project="visualize-predictions", name="audio")
path_to_audio = "examples/examples/data/piano.wav"
wandb.log({"examples": [wandb.Audio(path_to_audio, caption="Piano", sample_rate=32)]})
wandb.finish()

wandb.init(project="visualize-predictions", name="tables")
data = [["I love my phone", "1", "1"], ["My phone sucks", "0", "-1"]]
wandb.log({"a_table": wandb.Table(data=data, columns=["Text", "Predicted Label", "True Label"])})
table = wandb.Table(columns=["Text", "Predicted Label", "True Label"])
table.add_data("I love my phone", "1", "1")
table.add_data("My phone sucks", "0", "-1")
wandb.log({"another_table": table})
wandb.finish()

wandb.init(project="visualize-predictions", name="html")
path_to_html = "examples/examples/data/some_html.html"
wandb.log({"custom_file": wandb.Html(open(path_to_html))})
wandb.log({"custom_string": wandb.Html('<a href="https://mysite">Link</a>')})
wandb.finish()

wandb.init(project="visualize-predictions", name="3d_objects")
path_to_obj = "examples/examples/data/wolf.obj"
wandb.log({"3d_object": wandb.Object3D(open(path_to_obj))})
wandb.finish()
