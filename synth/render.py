"""Per-pixel analytic ray-caster in numpy: a shaded solid body (capsules and ellipsoids), props, floor and background.

Why this design (measured, shared/docs/SYNTHETIC.md): MediaPipe never detects a stick figure but almost always detects a
Lambert-shaded body with realistic limb thickness and a face; a z-buffer gets the occlusion at overlapping joints right,
which a painter's algorithm does not. Each primitive only intersects the pixels inside the screen bounding box of its
bounding sphere, and the rays, floor and background are computed once per clip, which keeps a 640x360 frame at roughly
50-100 ms on one core. Frames are rendered at <= 640 px wide and resized to the output size (MediaPipe works on a
256x256 crop, so more rendered pixels buy nothing).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .body import SIDES, Skeleton
from .camera import Camera
from .motions import MotionSpec, contact_points

Colour = tuple[float, float, float]

SKIN_TONES: tuple[Colour, ...] = ((0.96, 0.80, 0.69), (0.91, 0.72, 0.58), (0.80, 0.60, 0.45), (0.68, 0.48, 0.34),
                                  (0.55, 0.38, 0.26), (0.40, 0.27, 0.18), (0.30, 0.20, 0.14))
HAIR: tuple[Colour, ...] = ((0.08, 0.06, 0.05), (0.25, 0.16, 0.09), (0.55, 0.42, 0.25), (0.6, 0.6, 0.6), (0.4, 0.2, 0.1))
METAL: Colour = (0.55, 0.56, 0.6)


@dataclass(frozen=True)
class Look:
    """Per-clip colours (RGB 0..1) and clothing style."""

    skin: Colour
    hair: Colour
    shirt: Colour
    trousers: Colour
    shoes: Colour
    long_sleeves: bool
    shorts: bool
    floor_a: Colour
    floor_b: Colour
    wall: Colour
    pad: Colour

    def to_dict(self) -> dict:
        return {k: ([round(c, 3) for c in v] if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


def _hsv(h: float, s: float, v: float) -> Colour:
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    return [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]


def sample_look(rng: np.random.Generator) -> Look:
    def colour(s: tuple[float, float], v: tuple[float, float]) -> Colour:
        return _hsv(float(rng.random()), float(rng.uniform(*s)), float(rng.uniform(*v)))

    floor = colour((0.05, 0.3), (0.35, 0.65))
    return Look(
        skin=SKIN_TONES[int(rng.integers(len(SKIN_TONES)))], hair=HAIR[int(rng.integers(len(HAIR)))],
        shirt=colour((0.3, 0.9), (0.35, 0.95)), trousers=colour((0.1, 0.6), (0.12, 0.45)),
        shoes=colour((0.0, 0.3), (0.15, 0.95)), long_sleeves=bool(rng.random() < 0.3), shorts=bool(rng.random() < 0.4),
        floor_a=floor, floor_b=tuple(c * 0.8 for c in floor), wall=colour((0.05, 0.35), (0.55, 0.9)),
        pad=colour((0.2, 0.7), (0.15, 0.4)))


# ----------------------------------------------------------------------------------------------- primitives
@dataclass(frozen=True)
class Capsule:
    a: np.ndarray
    b: np.ndarray
    r: float
    colour: Colour


@dataclass(frozen=True)
class Ellipsoid:
    centre: np.ndarray
    axes: np.ndarray      # rows: unit axes in world coordinates
    radii: np.ndarray
    colour: Colour


@dataclass(frozen=True)
class Box:
    centre: np.ndarray
    axes: np.ndarray      # rows: unit axes
    half: np.ndarray
    colour: Colour


Primitive = Capsule | Ellipsoid | Box


def _bound(p: Primitive) -> tuple[np.ndarray, float]:
    if isinstance(p, Capsule):
        return (p.a + p.b) / 2, float(np.linalg.norm(p.b - p.a)) / 2 + p.r
    if isinstance(p, Ellipsoid):
        return p.centre, float(p.radii.max())
    return p.centre, float(np.linalg.norm(p.half))


def _hit_capsule(p: Capsule, o: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ba, oa = p.b - p.a, o - p.a
    baba, baoa, oaoa = ba @ ba, ba @ oa, oa @ oa
    bard, rdoa = d @ ba, d @ oa
    t = np.full(d.shape[:-1], np.inf)
    if baba > 1e-12:
        A = baba - bard * bard
        B = baba * rdoa - baoa * bard
        C = baba * oaoa - baoa * baoa - p.r * p.r * baba
        h = B * B - A * C
        with np.errstate(invalid="ignore", divide="ignore"):
            tc = (-B - np.sqrt(h)) / A
            y = baoa + tc * bard
        ok = (h >= 0) & (A > 1e-12) & (y > 0) & (y < baba) & (tc > 0)
        t = np.where(ok, tc, t)
    for c in (p.a, p.b):
        oc = o - c
        b = d @ oc
        h = b * b - (oc @ oc - p.r * p.r)
        with np.errstate(invalid="ignore"):
            ts = -b - np.sqrt(h)
        t = np.where((h >= 0) & (ts > 0) & (ts < t), ts, t)
    hit = np.isfinite(t)
    pts = o + np.where(hit, t, 0.0)[..., None] * d
    pa = pts - p.a
    hh = np.clip((pa @ ba) / max(baba, 1e-12), 0.0, 1.0)
    n = (pa - hh[..., None] * ba) / p.r
    return t, n


def _hit_ellipsoid(p: Ellipsoid, o: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ol = (p.axes @ (o - p.centre)) / p.radii
    dl = (d @ p.axes.T) / p.radii
    a = np.einsum("...i,...i->...", dl, dl)
    b = dl @ ol
    h = b * b - a * (ol @ ol - 1.0)
    with np.errstate(invalid="ignore"):
        t = (-b - np.sqrt(h)) / a
    t = np.where((h >= 0) & (t > 0), t, np.inf)
    local = ol + np.where(np.isfinite(t), t, 0.0)[..., None] * dl
    n = (local / p.radii) @ p.axes
    return t, n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-9)


def _hit_box(p: Box, o: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ol = p.axes @ (o - p.centre)
    dl = d @ p.axes.T
    dl = np.where(np.abs(dl) < 1e-9, 1e-9, dl)
    t1, t2 = (-p.half - ol) / dl, (p.half - ol) / dl
    tmin, tmax = np.minimum(t1, t2), np.maximum(t1, t2)
    near, far = tmin.max(axis=-1), tmax.min(axis=-1)
    t = np.where((near < far) & (near > 0), near, np.inf)
    face = tmin.argmax(axis=-1)
    nl = -np.sign(np.take_along_axis(dl, face[..., None], -1)) * (np.arange(3) == face[..., None])
    return t, nl @ p.axes


_HIT = {Capsule: _hit_capsule, Ellipsoid: _hit_ellipsoid, Box: _hit_box}


# ---------------------------------------------------------------------------------------------- scene building
def _frame_rows(m: np.ndarray) -> np.ndarray:
    """Columns-as-axes frame -> rows-as-axes (what the primitives store)."""
    return m.T


def body_primitives(sk: Skeleton, t: int, look: Look) -> list[Primitive]:
    """The solid body at frame ``t``: torso ellipsoids, limb capsules, hands, shoes and a head with a face."""
    s, g = sk.body.scale, sk.body.girth
    j = {k: v[t] for k, v in sk.joints.items()}
    vec = {k: v[t] for k, v in sk.vectors.items()}
    pelvis, torso, head = (sk.frames[k][t] for k in ("pelvis", "torso", "head"))
    up_t, up_p = torso[:, 1], pelvis[:, 1]
    L = sk.body.torso
    lower = look.skin if look.shorts else look.trousers
    arm_low = look.shirt if look.long_sleeves else look.skin
    dark = (0.1, 0.07, 0.06)
    prims: list[Primitive] = [
        Ellipsoid(j["pelvis"] + 0.04 * L * up_p, _frame_rows(pelvis), np.array([0.165 * g, 0.25 * L, 0.105 * g]), look.trousers),
        Ellipsoid(j["pelvis"] + 0.42 * L * up_t, _frame_rows(torso), np.array([0.15 * g, 0.28 * L, 0.1 * g]), look.shirt),
        Ellipsoid(j["pelvis"] + 0.74 * L * up_t, _frame_rows(torso), np.array([0.175 * g, 0.29 * L, 0.11 * g]), look.shirt),
        Capsule(j["neck_base"] - 0.02 * s * up_t, j["neck_base"] + 0.09 * s * head[:, 1], 0.052 * s * g, look.skin),
    ]
    for side in SIDES:
        sh, el, wr = j[f"shoulder_{side}"], j[f"elbow_{side}"], j[f"wrist_{side}"]
        hip, kn, an = j[f"hip_{side}"], j[f"knee_{side}"], j[f"ankle_{side}"]
        mid_arm, mid_fa, mid_th, mid_sh = (sh + el) / 2, (el + wr) / 2, (hip + kn) / 2, (kn + an) / 2
        hd, th = vec[f"hand_dir_{side}"], vec[f"thumb_{side}"]
        palm_n = np.cross(hd, th)
        fd, fu = vec[f"foot_dir_{side}"], vec[f"foot_up_{side}"]
        prims += [
            Capsule(sh, sh, 0.062 * s * g, look.shirt),                       # shoulder cap
            Capsule(sh, mid_arm, 0.055 * s * g, look.shirt),                  # sleeve
            Capsule(mid_arm, el, 0.045 * s * g, arm_low),
            Capsule(el, mid_fa, 0.04 * s * g, arm_low),
            Capsule(mid_fa, wr, 0.032 * s * g, look.skin if not look.long_sleeves else arm_low),
            Ellipsoid(wr + 0.045 * s * hd, np.stack([hd, th, palm_n]), s * np.array([0.05, 0.042, 0.018]), look.skin),
            Capsule(wr + s * (0.015 * hd + 0.02 * th), wr + s * (0.045 * hd + 0.055 * th), 0.011 * s, look.skin),
            Capsule(hip, mid_th, 0.078 * s * g, look.trousers),
            Capsule(mid_th, kn, 0.062 * s * g, look.trousers if not look.shorts else look.skin),
            Capsule(kn, mid_sh, 0.052 * s * g, lower),
            Capsule(mid_sh, an, 0.04 * s * g, lower),
            Capsule(an - s * (0.04 * fd + 0.035 * fu), an + s * (0.14 * fd - 0.04 * fu), 0.042 * s, look.shoes),
        ]
    c = j["head"]
    hl, hu, hf = head[:, 0], head[:, 1], head[:, 2]
    rows = _frame_rows(head)
    prims += [
        Ellipsoid(c, rows, s * np.array([0.075, 0.105, 0.095]), look.skin),
        Ellipsoid(c + s * (0.022 * hu - 0.028 * hf), rows, s * np.array([0.079, 0.1, 0.09]), look.hair),
        Ellipsoid(c + s * (0.092 * hf - 0.008 * hu), rows, s * np.array([0.012, 0.024, 0.016]), look.skin),   # nose
        Capsule(c + s * (0.022 * hl - 0.045 * hu + 0.08 * hf), c + s * (-0.022 * hl - 0.045 * hu + 0.08 * hf),
                0.006 * s, (0.45, 0.15, 0.15)),                                                             # mouth
    ]
    for sign in (1.0, -1.0):
        prims += [
            Ellipsoid(c + s * (sign * 0.032 * hl + 0.028 * hu + 0.079 * hf), rows, s * np.array([0.013, 0.008, 0.007]), dark),
            Capsule(c + s * (sign * 0.015 * hl + 0.05 * hu + 0.075 * hf), c + s * (sign * 0.048 * hl + 0.048 * hu + 0.068 * hf),
                    0.005 * s, look.hair),                                                                  # brow
            Ellipsoid(c + s * (sign * 0.074 * hl + 0.0 * hu - 0.005 * hf), rows, s * np.array([0.012, 0.028, 0.018]), look.skin),
        ]
    return prims


class PropBuilder:
    """Gym equipment for a clip. Static props (bench, seat, bars) are placed once from the clip's mean pose;
    hand-held ones (barbell, dumbbells, cable bar) follow the hands every frame. Nothing is placed between the
    camera and the body: bars are thin, benches and seats sit under the body, the back pad behind it."""

    def __init__(self, spec: MotionSpec, sk: Skeleton, look: Look):
        self.spec, self.sk, self.look = spec, sk, look
        self.pts = contact_points(sk)
        self.static = self._static_props()

    def _mean(self, name: str) -> np.ndarray:
        return self.sk.joints[name].mean(axis=0)

    def _static_props(self) -> list[Primitive]:
        sk, look, out = self.sk, self.look, []
        s, g = sk.body.scale, sk.body.girth
        eye = np.eye(3)
        props = self.spec.props
        if "bench" in props:
            torso = sk.frames["torso"].mean(axis=0)
            up, fwd = torso[:, 1], torso[:, 2]
            p, n = self._mean("pelvis"), self._mean("neck_base")
            length_lo, length_hi = -0.25, np.linalg.norm(n - p) + 0.12
            centre = p + up * (length_lo + length_hi) / 2 - fwd * (0.115 * g * s + 0.035)
            out.append(Box(centre, _frame_rows(torso), np.array([0.15, (length_hi - length_lo) / 2, 0.035]), look.pad))
            foot = centre - fwd * 0.035
            if foot[1] > 0.05:
                post_c = np.array([foot[0], foot[1] / 2, foot[2]])
                out.append(Box(post_c, eye, np.array([0.04, foot[1] / 2, 0.04]), METAL))
        if "cross_bench" in props:
            z = float(self.pts["upper_back"][:, 2].mean())
            out.append(Box(np.array([0.0, 0.205, z - 0.05]), eye, np.array([0.5, 0.205, 0.15]), look.pad))
        if "seat" in props:
            p = self._mean("pelvis")
            top = p[1] - 0.1 * s
            if top > 0.1:
                out.append(Box(np.array([p[0], top - 0.04, p[2] - 0.05]), eye, np.array([0.2, 0.04, 0.2]), look.pad))
                out.append(Box(np.array([p[0], (top - 0.08) / 2, p[2] - 0.05]), eye,
                               np.array([0.04, (top - 0.08) / 2, 0.04]), METAL))
        if "back_pad" in props:
            torso = sk.frames["torso"].mean(axis=0)
            c = self._mean("pelvis") + 0.55 * sk.body.torso * torso[:, 1] - (0.11 * g * s + 0.05) * torso[:, 2]
            out.append(Box(c, _frame_rows(torso), np.array([0.17, 0.3, 0.04]), look.pad))
        if "pullup_bar" in props:
            mid = ((self.pts["palm_l"] + self.pts["palm_r"]) / 2).mean(axis=0)
            out.append(Capsule(mid - [0.9, 0, 0], mid + [0.9, 0, 0], 0.017, METAL))
        if "dip_bars" in props:
            for side in SIDES:
                p = self.pts[f"palm_{side}"].mean(axis=0) - [0, 0.03, 0]
                out.append(Capsule(p - [0, 0, 0.45], p + [0, 0, 0.45], 0.022, METAL))
        return out

    def frame(self, t: int) -> list[Primitive]:
        props, out = self.spec.props, list(self.static)
        pl, pr = self.pts["palm_l"][t], self.pts["palm_r"][t]
        mid, across = (pl + pr) / 2, pl - pr
        half = np.linalg.norm(across) / 2
        axis = across / max(2 * half, 1e-9)
        if "barbell" in props:
            out.append(Capsule(mid - axis * (half + 0.4), mid + axis * (half + 0.4), 0.014, METAL))
        if "pulldown_bar" in props or "cable_bar" in props:
            extra = 0.25 if "pulldown_bar" in props else 0.1
            out.append(Capsule(mid - axis * (half + extra), mid + axis * (half + extra), 0.013, METAL))
            top = np.array([mid[0], 2.7, mid[2] + (0.0 if "pulldown_bar" in props else 0.35)])
            out.append(Capsule(mid, top, 0.005, (0.15, 0.15, 0.15)))
        if "tbar" in props:
            anchor = np.array([0.0, 0.03, -1.1])
            d = mid - anchor
            out.append(Capsule(anchor, mid + 0.2 * d / np.linalg.norm(d), 0.02, METAL))
        if "dumbbells" in props:
            for side in SIDES:
                c, th = self.pts[f"palm_{side}"][t], self.sk.vectors[f"thumb_{side}"][t]
                out.append(Capsule(c - 0.075 * th, c + 0.075 * th, 0.016, METAL))
                for end in (-1.0, 1.0):
                    out.append(Capsule(c + end * 0.085 * th, c + end * 0.12 * th, 0.042, (0.12, 0.12, 0.13)))
        return out


# ---------------------------------------------------------------------------------------------------- renderer
class ClipRenderer:
    """Renders the frames of one clip with a fixed camera; rays, floor and background are built once."""

    def __init__(self, cam: Camera, look: Look, rng: np.random.Generator, shadow_centre: np.ndarray):
        self.cam, self.look = cam, look
        self.rng = rng
        self.rays = cam.rays()
        self.origin = cam.position
        H, W = cam.height, cam.width
        self.light = _unit(-cam.rotation[1] * 0.8 - cam.rotation[2] * 0.5 + cam.rotation[0] * 0.25)
        self.base, self.floor_t = self._background(shadow_centre)
        assert self.base.shape == (H, W, 3)

    def _background(self, shadow_centre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import cv2

        H, W = self.cam.height, self.cam.width
        rng, look = self.rng, self.look
        low = rng.uniform(-0.08, 0.08, (6, 8, 3))
        wall = np.clip(np.asarray(look.wall) + cv2.resize(low, (W, H), interpolation=cv2.INTER_CUBIC), 0, 1)
        for _ in range(int(rng.integers(2, 6))):  # posters, racks, windows
            x0, y0 = int(rng.integers(0, W)), int(rng.integers(0, H // 2))
            w, h = int(rng.integers(W // 20, W // 5)), int(rng.integers(H // 10, H // 2))
            wall[y0:y0 + h, x0:x0 + w] = rng.uniform(0.15, 0.9, 3)
        for _ in range(int(rng.integers(0, 4))):
            x0 = int(rng.integers(0, W))
            wall[:, x0:x0 + max(2, W // 80)] *= 0.6
        d = self.rays
        o = self.origin
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(d[..., 1] < -1e-6, -o[1] / d[..., 1], np.inf)
        t = np.where(t < 25.0, t, np.inf)
        hit = np.isfinite(t)
        p = o + np.where(hit, t, 0)[..., None] * d
        checker = ((np.floor(p[..., 0] / 0.6) + np.floor(p[..., 2] / 0.6)) % 2)[..., None]
        floor = np.where(checker > 0, np.asarray(look.floor_a), np.asarray(look.floor_b))
        r2 = (p[..., 0] - shadow_centre[0]) ** 2 + (p[..., 2] - shadow_centre[2]) ** 2
        shade = (0.75 + 0.25 * np.clip(-d[..., 1] * 2, 0, 1)) * (1 - 0.35 * np.exp(-r2 / (2 * 0.35 ** 2)))
        floor = floor * shade[..., None]
        img = np.where(hit[..., None], floor, wall)
        return img.astype(np.float32), t

    def render(self, prims: list[Primitive]) -> np.ndarray:
        """uint8 RGB frame (H,W,3)."""
        import cv2

        cam, o = self.cam, self.origin
        H, W = cam.height, cam.width
        tbuf = self.floor_t.copy()
        nbuf = np.zeros((H, W, 3))
        cbuf = np.zeros((H, W, 3))
        for p in prims:
            centre, radius = _bound(p)
            box = _screen_box(cam, centre, radius)
            if box is None:
                continue
            y0, y1, x0, x1 = box
            d = self.rays[y0:y1, x0:x1]
            t, n = _HIT[type(p)](p, o, d)
            sub_t = tbuf[y0:y1, x0:x1]
            m = t < sub_t
            if not m.any():
                continue
            sub_t[m] = t[m]
            nbuf[y0:y1, x0:x1][m] = n[m]
            cbuf[y0:y1, x0:x1][m] = p.colour
        body = np.isfinite(tbuf) & (np.abs(nbuf).sum(-1) > 0)
        lam = np.clip(nbuf @ self.light, 0, None)
        fill = np.clip(-(nbuf * self.rays).sum(-1), 0, None)
        shaded = cbuf * (0.3 + 0.65 * lam + 0.15 * fill)[..., None]
        img = np.where(body[..., None], shaded, self.base)
        img = img + self.rng.normal(0, 3 / 255, (H, W, 1))
        img = cv2.GaussianBlur(np.clip(img * 255, 0, 255).astype(np.uint8), (3, 3), 0)
        return img


def _screen_box(cam: Camera, centre: np.ndarray, radius: float) -> tuple[int, int, int, int] | None:
    u, v, depth = cam.project(centre)
    if depth <= radius * 1.05:
        return 0, cam.height, 0, cam.width
    pr = cam.fx * radius / np.sqrt(depth * depth - radius * radius) + 2
    x0, x1 = int(max(0, np.floor(u - pr))), int(min(cam.width, np.ceil(u + pr)))
    y0, y1 = int(max(0, np.floor(v - pr))), int(min(cam.height, np.ceil(v + pr)))
    if x0 >= x1 or y0 >= y1:
        return None
    return y0, y1, x0, x1


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)
