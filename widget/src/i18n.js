// The widget's own words (buttons, notices, the status banner) in the visitor's language.
//
// The language follows what the visitor writes, by the same rule that fills the bot's `language`
// slot (bot/language.py; tests/unit/test_widget_language.py runs both over the same messages):
// two or more Chinese characters make a message Chinese, and so does pinyin typed without
// choosing characters ("dianzi fapiao shenme shihou huifu"); two or more English words and no
// Chinese make it English, anything shorter or a button payload keeps the language. So the
// controls change in the same turn as the answers, with no round trip and nothing extra for the
// server to send. Chinese is the default; the embed's data-lang or the page's <html lang> may
// start in English, and the widget's own payloads then carry the language to the bot.

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/g;
const LATIN_WORD = /[A-Za-z]{2,}/g;
const LATIN_RUN = /[A-Za-z]+/g;
// bot/language.py's PINYIN_SYLLABLES and PINYIN_ONLY (the test checks they are the same)
export const PINYIN_SYLLABLES = new Set(
  `
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biang biao bie bin bing bo bong bu
ca cai can cang cao ce cei cen ceng cha chai chan chang chao che chen cheng chi chong chou
chu chua chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang
dao de dei den deng di dia dian diao die din ding diu dong dou du duan dui dun duo e ei en
eng er fa fan fang fei fen feng fiao fo fou fu ga gai gan gang gao ge gei gen geng gong gou
gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai
huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai
kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao
le lei len leng li lia lian liang liao lie lin ling liu lo long lou lu luan lun luo lv lve
ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu na nai nan nang
nao ne nei nen neng ni nia nian niang niao nie nin ning niu nong nou nu nuan nun nuo nv nve
o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang
qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan
rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao she shei shen sheng shi
shou shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun suo ta tai tan
tang tao te tei teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei
wen weng wo wong wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan
yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha
zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui
zhun zhuo zi zong zou zu zuan zui zun zuo
`
    .trim()
    .split(/\s+/),
);
const PINYIN_ONLY = /^(?:zh|[jqx])|(?:iao|uo|ui|iu|ian|uan|ve|iang|iong|ao|ei|ou)$/;

/** "fapiao" -> ["fa", "piao"]: the fewest toneless syllables that spell the word, or null. */
export function splitPinyin(word) {
  const best = [[]];
  for (let end = 1; end <= word.length; end++) {
    best[end] = null;
    for (let start = Math.max(0, end - 6); start < end; start++) {
      const head = best[start];
      if (head !== null && PINYIN_SYLLABLES.has(word.slice(start, end))) {
        if (best[end] === null || head.length + 1 < best[end].length) best[end] = [...head, word.slice(start, end)];
      }
    }
  }
  return best[word.length];
}

/** Latin words that are Mandarin typed as pinyin (bot/language.py's is_pinyin). */
export function isPinyin(text) {
  const words = (text.match(LATIN_RUN) || []).map((w) => w.toLowerCase());
  if (words.length < 2) return false;
  const spelled = words.map(splitPinyin).filter((s) => s && s.length);
  const syllables = [].concat(...spelled);
  return (
    spelled.length >= 0.8 * words.length &&
    syllables.length >= 3 &&
    syllables.some((s) => s !== "you" && PINYIN_ONLY.test(s))
  );
}

/** "zh", "en", or null when the message does not show a language. */
export function detectLanguage(text) {
  const trimmed = String(text || "").trim();
  if (!trimmed || trimmed.startsWith("/")) return null;
  const cjk = (trimmed.match(CJK) || []).length;
  if (cjk >= 2) return "zh";
  if ((trimmed.match(LATIN_WORD) || []).length >= 2 && cjk === 0) return isPinyin(trimmed) ? "zh" : "en";
  return null;
}

/** The language to start with: the visitor's own (stored), else the embed's, else the page's. */
export function initialLanguage(stored, embedded, pageLang) {
  for (const value of [stored, embedded]) if (value === "zh" || value === "en") return value;
  return /^en\b/i.test(pageLang || "") ? "en" : "zh";
}

export const TEXTS = {
  zh: {
    title: "电子发票咨询助手",
    launcher: "咨询",
    open: "打开在线咨询",
    collapse: "收起在线咨询",
    close: "关闭对话窗口",
    human: "转人工",
    log: "对话记录",
    typing: "助手正在输入…",
    inputLabel: "输入您的问题",
    placeholder: "请输入您的问题…",
    send: "发送",
    location: "用我的位置找服务点",
    unread: (n) => `${n}条未读消息`,
    connecting: "正在连接…",
    disconnected: "连接已断开，您的消息会在恢复连接后发送",
    noGeolocation: "您的浏览器不支持定位，请直接告诉我您在哪个区。",
    geolocationDenied: "没有获得位置权限，请直接告诉我您在哪个区，例如“天河”。",
    sending: "发送中…",
    options: "可选操作",
    feedbackQuestion: "这个回答有帮助吗？",
    helpful: "有帮助",
    notHelpful: "没帮助",
    feedbackThanks: "谢谢您的反馈！",
    welcome: "您好！我是电子发票服务的自动咨询助手，请直接输入您的问题。",
    suggestionsLead: "您可以这样问：",
    suggestions: ["现在恢复了吗", "急需开票怎么办", "去哪里线下开票"],
    // the status banner
    service: "电子发票服务：",
    states: { suspended: "暂停中", degraded: "部分恢复", normal: "已恢复正常" },
    expected: (time) => `预计${time}恢复`,
    notAnnounced: "恢复时间尚未公布",
    updated: (time) => `更新于${time}`,
    today: (clock) => `今天${clock}`,
    date: (day, month, clock) => `${month}月${day}日 ${clock}`,
    probe: (reachable, clock) => `自动检测：${reachable ? "平台当前可访问" : "平台当前无法访问"}，检测于${clock}`,
  },
  en: {
    title: "E-invoice assistant",
    launcher: "Help",
    open: "Open the chat",
    collapse: "Minimise the chat",
    close: "Close the chat window",
    human: "Talk to a person",
    log: "Conversation",
    typing: "The assistant is typing…",
    inputLabel: "Type your question",
    placeholder: "Type your question…",
    send: "Send",
    location: "Find service points near me",
    unread: (n) => `${n} unread ${n === 1 ? "message" : "messages"}`,
    connecting: "Connecting…",
    disconnected: "Disconnected. Your messages will be sent when the connection is back.",
    noGeolocation: "Your browser can't share your location. Please tell me which district you are in.",
    geolocationDenied: "I don't have permission to use your location. Please tell me which district you are in, for example Tianhe.",
    sending: "Sending…",
    options: "Options",
    feedbackQuestion: "Was this answer helpful?",
    helpful: "Yes",
    notHelpful: "No",
    feedbackThanks: "Thank you for your feedback!",
    welcome: "Hello! I'm the automatic assistant for Guangzhou's e-invoice service. Please type your question.",
    suggestionsLead: "You can ask:",
    suggestions: ["Is the e-invoice service back yet?", "I need an invoice urgently", "Where can I get an invoice offline?"],
    service: "E-invoice service: ",
    states: { suspended: "suspended", degraded: "partly back", normal: "back to normal" },
    expected: (time) => `expected back ${time}`,
    notAnnounced: "no restoration time announced yet",
    updated: (time) => `updated ${time}`,
    today: (clock) => `today ${clock}`,
    date: (day, month, clock) =>
      `${day} ${["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][month - 1]} ${clock}`,
    probe: (reachable, clock) =>
      `Automatic check: the platform is ${reachable ? "reachable" : "not reachable"}, checked ${clock}`,
  },
};

/** The words of `lang` (Chinese for anything else). */
export function texts(lang) {
  return TEXTS[lang] || TEXTS.zh;
}
