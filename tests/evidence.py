"""Shared checks for evidence privacy tests: how much of a screenshot the mask covers, and
what an address looks like."""

from __future__ import annotations

import re

ADDRESS = re.compile(r"[\w.+*-]+@[\w-]+(?:\.[\w-]+)+")

# The mask colour is pure magenta; these run in a page so that no image library is needed.
_DRAW = """
  const img = new Image();
  img.src = "data:image/png;base64," + b64;
  await img.decode();
  const canvas = document.createElement("canvas");
  Object.assign(canvas, {width: img.width, height: img.height});
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const share = (x, y, w, h) => {
    const data = ctx.getImageData(x, y, w, h).data;
    let magenta = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] > 240 && data[i + 1] < 20 && data[i + 2] > 240) magenta++;
    }
    return magenta / (data.length / 4);
  };"""
MAGENTA_SHARE_JS = "async (b64) => {" + _DRAW + """
  return share(0, 0, img.width, img.height);
}"""
MAGENTA_IN_BOXES_JS = "async ([b64, boxes]) => {" + _DRAW + """
  return boxes.map(b => share(b.x, b.y, b.width, b.height));
}"""
