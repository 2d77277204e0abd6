/**
 * The `repetitive` prompt suite: text that repeats itself, written for this project. The
 * held-out prose and code prompts rarely repeat within a 96-token window, so prompt lookup
 * (which can only copy what the context already holds) looks useless on them; these show
 * where it shines and let the bench compare model-free drafting with the heads where
 * copying is the right guess. Each stays in the training corpora's styles (KJV verses,
 * Python) and under ~100 tokens of the real tokenizer, so 64+ new tokens still fit.
 */

export interface WrittenPrompt {
  id: string;
  source: string;
  text: string;
}

const SOURCE = 'written for the repetitive suite (src/engine/bench/repetitive-prompts.ts)';

export const REPETITIVE_PROMPTS: readonly WrittenPrompt[] = [
  {
    id: 'repetitive-refrain',
    source: `${SOURCE}: a refrain, after Psalm 136`,
    text:
      'O give thanks unto the LORD; for he is good: for his mercy endureth for ever.\n' +
      'O give thanks unto the God of gods: for his mercy endureth for ever.\n' +
      'O give thanks to the Lord of lords: for his mercy endureth for ever.\n' +
      'To him who alone doeth great wonders: for his mercy endureth for ever.\n',
  },
  {
    id: 'repetitive-genealogy',
    source: `${SOURCE}: a genealogy, after Genesis 5`,
    text:
      'And Seth lived an hundred and five years, and begat Enos:\n' +
      'And Seth lived after he begat Enos eight hundred and seven years, and begat sons and daughters:\n' +
      'And all the days of Seth were nine hundred and twelve years: and he died.\n' +
      'And Enos lived ninety years, and begat Cainan:\n',
  },
  {
    id: 'repetitive-offering',
    source: `${SOURCE}: a list of like offerings, after Numbers 7`,
    text:
      'On the second day Nethaneel the son of Zuar did offer: one silver charger, one silver bowl, one young bullock, one ram.\n' +
      'On the third day Eliab the son of Helon did offer: one silver charger, one silver bowl, one young bullock, one ram.\n' +
      'On the fourth day Elizur the son of Shedeur did offer:',
  },
  {
    id: 'repetitive-properties',
    source: `${SOURCE}: Python property boilerplate`,
    text:
      'class Point:\n' +
      '    @property\n' +
      '    def x(self):\n' +
      '        return self._x\n' +
      '\n' +
      '    @property\n' +
      '    def y(self):\n' +
      '        return self._y\n' +
      '\n' +
      '    @property\n' +
      '    def z(self):\n',
  },
  {
    id: 'repetitive-tests',
    source: `${SOURCE}: Python unittest methods of one shape`,
    text:
      'class TestArith(unittest.TestCase):\n' +
      '    def test_add(self):\n' +
      '        self.assertEqual(add(1, 2), 3)\n' +
      '\n' +
      '    def test_sub(self):\n' +
      '        self.assertEqual(sub(3, 2), 1)\n' +
      '\n' +
      '    def test_mul(self):\n',
  },
  {
    id: 'repetitive-table',
    source: `${SOURCE}: a Python literal of like rows`,
    text:
      'COLORS = [\n' +
      '    {"name": "red", "hex": "#ff0000", "rgb": (255, 0, 0)},\n' +
      '    {"name": "green", "hex": "#00ff00", "rgb": (0, 255, 0)},\n' +
      '    {"name": "blue", "hex": "#0000ff", "rgb": (0, 0, 255)},\n' +
      '    {"name": "',
  },
];
