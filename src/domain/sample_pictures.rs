//! The sample catalog's pictures, drawn here: a plate on a warm table and each bake in simple
//! shaded shapes. `BLESS=1 cargo test -p bakery --lib sample_pictures` writes them, in every
//! size the site serves, to `migration/pictures/` (which the sample pictures' migration loads);
//! without `BLESS` the test checks the files are what this code draws.

use image::{DynamicImage, Rgb, RgbImage};

use super::pictures::{WIDTHS, sizes_of};

const W: u32 = 1280;
const H: u32 = 960;

type Colour = [u8; 3];

/// A picture being drawn.
struct Canvas(RgbImage);

fn mix(a: Colour, b: Colour, t: f32) -> Colour {
    let t = t.clamp(0.0, 1.0);
    let c = |i: usize| (f32::from(a[i]) * (1.0 - t) + f32::from(b[i]) * t).round() as u8;
    [c(0), c(1), c(2)]
}

impl Canvas {
    /// A table top, light at the back, darker in front, and an empty plate.
    fn table(back: Colour, front: Colour) -> Canvas {
        let mut canvas = Canvas(RgbImage::from_fn(W, H, |_, y| {
            Rgb(mix(back, front, y as f32 / H as f32))
        }));
        canvas.ellipse(640.0, 640.0, 560.0, 230.0, 0.0, [120, 100, 80], 0.0);
        canvas.ellipse(640.0, 620.0, 540.0, 215.0, 0.0, [246, 244, 238], 0.25);
        canvas.ellipse(640.0, 620.0, 420.0, 160.0, 0.0, [236, 232, 224], 0.1);
        canvas
    }

    /// Paints every pixel of the box `x0..x1`×`y0..y1` where `shade` says (0 light to 1 dark).
    fn paint(
        &mut self,
        (x0, y0, x1, y1): (f32, f32, f32, f32),
        colour: Colour,
        shade: impl Fn(f32, f32) -> Option<f32>,
    ) {
        let dark = mix(colour, [20, 10, 5], 0.55);
        let light = mix(colour, [255, 250, 240], 0.35);
        let (x0, y0) = (x0.max(0.0) as u32, y0.max(0.0) as u32);
        let (x1, y1) = (
            (x1.max(0.0) as u32).min(W - 1),
            (y1.max(0.0) as u32).min(H - 1),
        );
        for y in y0..=y1 {
            for x in x0..=x1 {
                if let Some(s) = shade(x as f32 + 0.5, y as f32 + 0.5) {
                    let c = if s < 0.5 {
                        mix(light, colour, s * 2.0)
                    } else {
                        mix(colour, dark, (s - 0.5) * 2.0)
                    };
                    self.0.put_pixel(x, y, Rgb(c));
                }
            }
        }
    }

    /// A filled ellipse turned by `angle` (radians), lit from the upper left by `relief` (0: flat).
    #[allow(clippy::too_many_arguments)]
    fn ellipse(
        &mut self,
        cx: f32,
        cy: f32,
        rx: f32,
        ry: f32,
        angle: f32,
        colour: Colour,
        relief: f32,
    ) {
        let (sin, cos) = angle.sin_cos();
        let r = rx.max(ry);
        self.paint((cx - r, cy - r, cx + r, cy + r), colour, |x, y| {
            let (dx, dy) = (x - cx, y - cy);
            let (u, v) = ((dx * cos + dy * sin) / rx, (-dx * sin + dy * cos) / ry);
            let d = u * u + v * v;
            (d <= 1.0).then_some(0.5 + relief * (0.6 * d + 0.4 * (u + v) * 0.5 - 0.3))
        });
    }

    /// A filled box with rounded corners of `radius`, shaded top to bottom by `relief`.
    fn rounded(
        &mut self,
        (x0, y0, x1, y1): (f32, f32, f32, f32),
        radius: f32,
        colour: Colour,
        relief: f32,
    ) {
        self.paint((x0, y0, x1, y1), colour, |x, y| {
            let qx = (x0 + radius - x).max(x - (x1 - radius)).max(0.0);
            let qy = (y0 + radius - y).max(y - (y1 - radius)).max(0.0);
            (qx * qx + qy * qy <= radius * radius)
                .then(|| 0.5 + relief * ((y - y0) / (y1 - y0) - 0.5))
        });
    }

    /// A round-ended stroke from `a` to `b`, `width` wide.
    fn stroke(&mut self, a: (f32, f32), b: (f32, f32), width: f32, colour: Colour) {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len2 = (dx * dx + dy * dy).max(1e-3);
        let r = width / 2.0;
        let bounds = (
            a.0.min(b.0) - r,
            a.1.min(b.1) - r,
            a.0.max(b.0) + r,
            a.1.max(b.1) + r,
        );
        self.paint(bounds, colour, |x, y| {
            let t = (((x - a.0) * dx + (y - a.1) * dy) / len2).clamp(0.0, 1.0);
            let (px, py) = (a.0 + t * dx - x, a.1 + t * dy - y);
            (px * px + py * py <= r * r).then_some(0.5)
        });
    }

    /// A spiral of `turns` around `(cx, cy)` out to `radius`, squashed by `squash` vertically.
    fn spiral(
        &mut self,
        (cx, cy): (f32, f32),
        radius: f32,
        squash: f32,
        turns: f32,
        width: f32,
        colour: Colour,
    ) {
        let steps = (turns * 90.0) as u32;
        let point = |i: u32| {
            let t = i as f32 / steps as f32;
            let angle = t * turns * std::f32::consts::TAU;
            (
                cx + radius * t * angle.cos(),
                cy + radius * t * squash * angle.sin(),
            )
        };
        for i in 0..steps {
            self.stroke(point(i), point(i + 1), width, colour);
        }
    }

    /// Dots of `colour` at `points`, `r` across.
    fn dots(&mut self, points: &[(f32, f32)], r: f32, colour: Colour) {
        for &(x, y) in points {
            self.ellipse(x, y, r, r, 0.0, colour, 0.6);
        }
    }
}

const CREAM: Colour = [250, 238, 215];
const CRUST: Colour = [196, 128, 58];
const CHOCOLATE: Colour = [88, 50, 30];

/// A round layer cake of `sponge` under `top`, with a slice of `between` showing.
fn layer_cake(sponge: Colour, between: Colour, top: Colour, back: Colour) -> Canvas {
    let mut c = Canvas::table(back, mix(back, [60, 40, 30], 0.5));
    c.rounded((300.0, 330.0, 980.0, 640.0), 40.0, sponge, 0.5);
    for y in [420.0, 520.0] {
        c.rounded((300.0, y, 980.0, y + 24.0), 12.0, between, 0.3);
    }
    c.ellipse(640.0, 640.0, 340.0, 70.0, 0.0, sponge, 0.4);
    c.ellipse(640.0, 330.0, 340.0, 80.0, 0.0, top, 0.5);
    for i in 0..9 {
        let x = 330.0 + i as f32 * 78.0;
        let drip = 40.0 + ((i * 37) % 5) as f32 * 18.0;
        c.rounded((x, 330.0, x + 34.0, 360.0 + drip), 17.0, top, 0.2);
    }
    c
}

/// Draws the sample product `slug`.
fn draw(slug: &str) -> RgbImage {
    let warm = [214, 180, 140];
    let canvas = match slug {
        "chocolate_cake" => layer_cake(CHOCOLATE, [140, 90, 60], [60, 32, 20], warm),
        "carrot_cake" => {
            let mut c = layer_cake([205, 130, 60], CREAM, CREAM, [190, 205, 170]);
            for i in 0..4 {
                let x = 480.0 + i as f32 * 100.0;
                c.ellipse(x, 300.0, 34.0, 16.0, 0.5, [235, 120, 30], 0.4);
                c.stroke((x + 20.0, 288.0), (x + 44.0, 268.0), 10.0, [80, 140, 60]);
            }
            c
        }
        "sourdough_bread" => {
            let mut c = Canvas::table([200, 170, 130], [110, 80, 55]);
            c.ellipse(640.0, 500.0, 400.0, 230.0, -0.05, [170, 100, 45], 0.8);
            for i in 0..3 {
                let y = 400.0 + i as f32 * 90.0;
                c.stroke((420.0, y + 10.0), (860.0, y - 30.0), 22.0, [235, 205, 160]);
            }
            c
        }
        "baguette" => {
            let mut c = Canvas::table([225, 215, 190], [150, 120, 90]);
            c.ellipse(640.0, 500.0, 560.0, 95.0, -0.35, [200, 135, 60], 0.8);
            for i in 0..5 {
                let x = 330.0 + i as f32 * 150.0;
                let y = 620.0 - i as f32 * 55.0;
                c.stroke(
                    (x - 40.0, y + 10.0),
                    (x + 50.0, y - 40.0),
                    18.0,
                    [240, 210, 160],
                );
            }
            c
        }
        "blueberry_muffin" => {
            let mut c = Canvas::table([200, 210, 235], [90, 100, 140]);
            c.paint((430.0, 440.0, 850.0, 700.0), [120, 150, 200], |x, y| {
                let t = (y - 440.0) / 260.0;
                let half = 210.0 - 50.0 * t;
                let stripe = ((x - 640.0) / 30.0).floor().rem_euclid(2.0);
                ((x - 640.0).abs() <= half).then_some(0.35 + 0.25 * stripe)
            });
            c.ellipse(640.0, 430.0, 270.0, 170.0, 0.0, [215, 160, 90], 0.7);
            c.dots(
                &[
                    (540.0, 380.0),
                    (660.0, 330.0),
                    (760.0, 420.0),
                    (600.0, 470.0),
                    (720.0, 500.0),
                    (500.0, 470.0),
                ],
                26.0,
                [60, 60, 130],
            );
            c
        }
        "croissant" => {
            let mut c = Canvas::table([240, 220, 180], [170, 120, 70]);
            // A crescent: the middle roll largest, the ends smaller and drooping.
            for (i, (dx, r)) in [
                (-360.0, 60.0),
                (-230.0, 95.0),
                (0.0, 150.0),
                (230.0, 95.0),
                (360.0, 60.0),
            ]
            .into_iter()
            .enumerate()
            {
                let droop = (dx / 360.0f32).powi(2) * 130.0;
                let shade = if i % 2 == 0 { CRUST } else { [215, 150, 70] };
                c.ellipse(
                    640.0 + dx,
                    470.0 + droop,
                    r * 1.5,
                    r,
                    dx / 500.0,
                    shade,
                    0.8,
                );
            }
            c
        }
        "cinnamon_roll" => {
            let mut c = Canvas::table([230, 200, 170], [120, 80, 60]);
            c.ellipse(640.0, 480.0, 330.0, 230.0, 0.0, [205, 140, 75], 0.7);
            c.spiral((640.0, 480.0), 300.0, 0.7, 3.5, 26.0, [120, 60, 30]);
            c.spiral((650.0, 470.0), 280.0, 0.7, 3.0, 14.0, CREAM);
            c
        }
        "lemon_tart" => {
            let mut c = Canvas::table([245, 240, 215], [170, 160, 120]);
            c.ellipse(640.0, 520.0, 400.0, 190.0, 0.0, [215, 160, 80], 0.6);
            c.ellipse(640.0, 505.0, 350.0, 155.0, 0.0, [250, 215, 60], 0.4);
            c.ellipse(640.0, 480.0, 80.0, 36.0, 0.0, CREAM, 0.3);
            c.stroke((600.0, 470.0), (690.0, 450.0), 12.0, [120, 170, 70]);
            c
        }
        "pain_au_chocolat" => {
            let mut c = Canvas::table([235, 215, 190], [140, 100, 70]);
            c.rounded((330.0, 360.0, 950.0, 640.0), 90.0, CRUST, 0.7);
            for x in [520.0, 760.0] {
                c.rounded((x - 30.0, 340.0, x + 30.0, 660.0), 20.0, CHOCOLATE, 0.4);
            }
            for y in [430.0, 500.0, 570.0] {
                c.stroke((360.0, y), (920.0, y), 8.0, [225, 170, 100]);
            }
            c
        }
        _ => {
            // Almond biscotti: slanted slices studded with almonds.
            let mut c = Canvas::table([225, 210, 185], [130, 110, 85]);
            for i in 0..4 {
                let x = 420.0 + i as f32 * 150.0;
                c.ellipse(x, 520.0, 70.0, 210.0, 0.35, [225, 185, 120], 0.6);
                c.dots(
                    &[(x - 20.0, 460.0), (x + 15.0, 560.0), (x + 30.0, 470.0)],
                    16.0,
                    [170, 120, 70],
                );
            }
            c
        }
    };
    canvas.0
}

/// The sample products' pictures, by the name of their files.
pub const SAMPLES: [&str; 10] = [
    "chocolate_cake",
    "sourdough_bread",
    "blueberry_muffin",
    "croissant",
    "cinnamon_roll",
    "baguette",
    "lemon_tart",
    "pain_au_chocolat",
    "carrot_cake",
    "almond_biscotti",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_pictures_are_what_is_drawn_here() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migration/pictures");
        let bless = std::env::var_os("BLESS").is_some();
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
        }
        for slug in SAMPLES {
            let sizes = sizes_of(&DynamicImage::ImageRgb8(draw(slug))).unwrap();
            assert_eq!(sizes.len(), WIDTHS.len());
            for size in sizes {
                let path = dir.join(format!("{slug}-{}.jpg", size.width));
                if bless {
                    std::fs::write(&path, &size.bytes).unwrap();
                } else {
                    let stored = std::fs::read(&path).unwrap_or_default();
                    assert!(
                        stored == size.bytes,
                        "{} differs from what is drawn; rewrite the pictures with \
                         `BLESS=1 cargo test -p bakery --lib sample_pictures`",
                        path.display()
                    );
                }
            }
        }
    }
}
